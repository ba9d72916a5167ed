/**
 * The output comparison chart: per-token logprob differences between the
 * external engine and Tinker (engine − Tinker), with the rounding band
 * (±PRECISION_LOGPROB_GAP) and the first differing token marked, a summary
 * line and the data as a table. Drawn with uPlot and themed from
 * JupyterLab's CSS variables (the timing charts' `readTheme`).
 *
 * Token text comes from the kernel and is untrusted: set as text only.
 */
import { Widget } from '@lumino/widgets';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import { ICompareCheck } from '../engine/correctness/checks';
import {
  classifyDivergence,
  DIVERGENCE_MEANING,
  EARLY_DIVERGENCE_TOKEN,
  PRECISION_LOGPROB_GAP
} from '../engine/correctness/comparison';
import { IChartTheme, readTheme, watchTheme } from './charts/theme';
import { el } from './dom';

/** Columns of the data table. */
const COLUMNS = ['token', 'text', 'Tinker', 'engine', 'engine − Tinker'];

/** Rows shown in the data table at most. */
const MAX_TABLE_ROWS = 500;

/** A widget showing one comparison result. */
export class CorrectnessChart extends Widget {
  /** Create the widget; `result` is `facts.checks.compare`. */
  constructor(result: ICompareCheck | null = null) {
    super();
    this.addClass('jp-TinkerDoctor-correctness');
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Tinker vs external engine');
    this._head = el('div', 'jp-TinkerDoctor-chartHead');
    this._summary = el('ul', 'jp-TinkerDoctor-chartNotes');
    this._host = el('div', 'jp-TinkerDoctor-chart');
    this._host.dataset.chart = 'logprob-diff';
    this._data = el('details', 'jp-TinkerDoctor-chartData');
    this.node.append(this._head, this._summary, this._host, this._data);
    this.setResult(result);
  }

  /** The comparison shown. */
  get result(): ICompareCheck | null {
    return this._result;
  }

  /** The chart's canvas, or null when there is nothing to draw. */
  get canvas(): HTMLCanvasElement | null {
    return this._plot?.ctx.canvas ?? null;
  }

  /** Show another comparison. */
  setResult(result: ICompareCheck | null): void {
    this._result = result;
    this._renderText();
    this._renderChart();
  }

  /** Stop watching the theme and the size. */
  dispose(): void {
    this._stopTheme?.();
    this._resize?.disconnect();
    this._plot?.destroy();
    this._plot = null;
    super.dispose();
  }

  protected onAfterAttach(): void {
    this._stopTheme = watchTheme(() => this._renderChart());
    this._resize = new ResizeObserver(() => {
      const width = Private.width(this._host);
      if (this._plot && Math.abs(width - this._plot.width) > 4) {
        this._plot.setSize({ width, height: Private.HEIGHT });
      }
    });
    this._resize.observe(this.node);
    this._renderChart();
  }

  protected onBeforeDetach(): void {
    this._stopTheme?.();
    this._stopTheme = null;
    this._resize?.disconnect();
    this._resize = null;
  }

  private _renderText(): void {
    const r = this._result;
    this._head.replaceChildren(
      el('h3', 'jp-TinkerDoctor-chartTitle', Private.title(r))
    );
    this._summary.replaceChildren(
      ...Private.summary(r).map(line => el('li', undefined, line))
    );
    this._data.replaceChildren();
    const s = r?.sampled;
    if (!s || !s.logprobDiffs) {
      return;
    }
    this._data.append(
      el('summary', undefined, 'Per-token data'),
      Private.table(r!)
    );
  }

  private _renderChart(): void {
    this._plot?.destroy();
    this._plot = null;
    this._host.replaceChildren();
    const s = this._result?.sampled;
    if (!s || !s.logprobDiffs || s.logprobDiffs.length === 0) {
      this._host.hidden = true;
      return;
    }
    this._host.hidden = false;
    if (!this.isAttached) {
      return;
    }
    const theme = readTheme(this.node);
    this._plot = Private.plot(
      s.logprobDiffs,
      s.tinkerLogprobs ?? null,
      s.externalLogprobs ?? null,
      s.firstDiff,
      theme,
      this._host
    );
  }

  private _result: ICompareCheck | null = null;
  private _head: HTMLDivElement;
  private _summary: HTMLUListElement;
  private _host: HTMLDivElement;
  private _data: HTMLDetailsElement;
  private _plot: uPlot | null = null;
  private _stopTheme: (() => void) | null = null;
  private _resize: ResizeObserver | null = null;
}

namespace Private {
  export const HEIGHT = 260;

  /** The chart width for `host` (its parent's when not laid out yet). */
  export function width(host: HTMLElement): number {
    const w = host.clientWidth || host.parentElement?.clientWidth || 0;
    return Math.max(320, Math.min(w || 640, 1600));
  }

  /** The heading: the classification, or why there is none. */
  export function title(r: ICompareCheck | null): string {
    if (!r) {
      return 'Output comparison: no result yet';
    }
    if (r.error) {
      return 'Output comparison could not run';
    }
    const s = r.sampled;
    if (!s) {
      return 'Output comparison: sampled tokens not compared';
    }
    const kind = classifyDivergence(s.firstDiff, s.maxGapBefore);
    return `Tinker vs external engine: ${DIVERGENCE_MEANING[kind]}`;
  }

  /** Summary lines under the heading. */
  export function summary(r: ICompareCheck | null): string[] {
    if (!r) {
      return [];
    }
    if (r.error) {
      return [r.error];
    }
    const lines: string[] = [];
    const p = r.prompt;
    if (p && p.firstDiff >= 0) {
      lines.push(
        `Prompt tokens differ from position ${p.firstDiff} (Tinker ` +
          `${p.tinkerLength}, engine ${p.externalLength} tokens).`
      );
    } else if (p) {
      lines.push(`Prompt tokens identical (${p.tinkerLength}).`);
    }
    const s = r.sampled;
    if (s) {
      lines.push(
        s.firstDiff < 0
          ? `Sampled tokens identical (${s.compared}).`
          : `Sampled tokens first differ at position ${s.firstDiff} of ` +
              `${s.compared}.`
      );
      if (s.maxGapBefore !== null) {
        lines.push(
          `Largest |logprob gap| before it: ${s.maxGapBefore.toFixed(4)} ` +
            `(rounding stays below ${PRECISION_LOGPROB_GAP}; a divergence ` +
            `at or before token ${EARLY_DIVERGENCE_TOKEN} is early).`
        );
      }
    }
    if (r.suggestion) {
      lines.push(r.suggestion);
    }
    lines.push(...(r.notes ?? []));
    return lines;
  }

  /** The per-token table (text only). */
  export function table(r: ICompareCheck): HTMLTableElement {
    const s = r.sampled!;
    const t = el('table', 'jp-TinkerDoctor-chartTable');
    const head = el('tr');
    for (const h of COLUMNS) {
      head.appendChild(el('th', undefined, h));
    }
    t.appendChild(head);
    const n = Math.min(s.logprobDiffs!.length, MAX_TABLE_ROWS);
    for (let i = 0; i < n; i++) {
      const row = el('tr');
      if (i === s.firstDiff) {
        row.dataset.firstDiff = 'true';
        row.style.fontWeight = '600';
      }
      const cells = [
        String(i),
        s.tokens?.[i] ?? '',
        num(s.tinkerLogprobs?.[i]),
        num(s.externalLogprobs?.[i]),
        num(s.logprobDiffs![i])
      ];
      for (const c of cells) {
        row.appendChild(el('td', undefined, c));
      }
      t.appendChild(row);
    }
    return t;
  }

  function num(v: number | null | undefined): string {
    return typeof v === 'number' ? v.toFixed(4) : '–';
  }

  /** Draw the chart into `host`. */
  export function plot(
    diffs: Array<number | null>,
    tinker: Array<number | null> | null,
    engine: Array<number | null> | null,
    firstDiff: number,
    theme: IChartTheme,
    host: HTMLElement
  ): uPlot {
    const n = diffs.length;
    const x = diffs.map((_, i) => i);
    const finite = diffs.filter((d): d is number => typeof d === 'number');
    const span = Math.max(PRECISION_LOGPROB_GAP * 2, ...finite.map(Math.abs));
    const fmt = (_u: uPlot, v: number | null) =>
      v === null || v === undefined ? '–' : v.toFixed(4);
    const axis = (label: string): uPlot.Axis => ({
      stroke: theme.text,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid },
      font: `11px ${theme.font}`,
      label,
      labelFont: `11px ${theme.font}`
    });
    const pad = (a: Array<number | null> | null) =>
      x.map(i => (a && typeof a[i] === 'number' ? a[i] : null));
    const opts: uPlot.Options = {
      width: width(host),
      height: HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
      scales: {
        x: { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] },
        y: { range: [-span * 1.1, span * 1.1] },
        lp: { auto: true }
      },
      axes: [
        { ...axis('sampled token'), grid: { show: false } },
        axis('engine − Tinker logprob'),
        { ...axis('logprob'), scale: 'lp', side: 1, grid: { show: false } }
      ],
      series: [
        { label: 'token', value: (_u, v) => (v === null ? '–' : String(v)) },
        {
          label: 'engine − Tinker',
          stroke: theme.palette[0],
          width: 1.5,
          points: { show: true, size: 5, fill: theme.palette[0] },
          spanGaps: false,
          value: fmt
        },
        {
          label: 'Tinker logprob',
          scale: 'lp',
          stroke: theme.palette[1],
          show: false,
          value: fmt
        },
        {
          label: 'engine logprob',
          scale: 'lp',
          stroke: theme.palette[2],
          show: false,
          value: fmt
        }
      ],
      hooks: { draw: [u => marks(u, firstDiff, theme)] }
    };
    return new uPlot(opts, [x, pad(diffs), pad(tinker), pad(engine)], host);
  }

  /** The rounding band, zero, the early zone and the first difference. */
  function marks(u: uPlot, firstDiff: number, theme: IChartTheme): void {
    const ctx = u.ctx;
    const { left, top, width: w, height: h } = u.bbox;
    const y = (v: number) => u.valToPos(v, 'y', true);
    const xp = (v: number) => u.valToPos(v, 'x', true);
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, w, h);
    ctx.clip();
    ctx.globalAlpha = 0.15;
    ctx.fillStyle = theme.palette[1];
    const hi = y(PRECISION_LOGPROB_GAP);
    ctx.fillRect(left, hi, w, y(-PRECISION_LOGPROB_GAP) - hi);
    ctx.fillStyle = theme.wait;
    const early = xp(EARLY_DIVERGENCE_TOKEN + 0.5);
    ctx.fillRect(left, top, Math.max(0, early - left), h);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.mutedText;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, y(0));
    ctx.lineTo(left + w, y(0));
    ctx.stroke();
    if (firstDiff >= 0) {
      const fx = xp(firstDiff);
      ctx.strokeStyle = theme.stall;
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(fx, top);
      ctx.lineTo(fx, top + h);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = theme.stall;
      ctx.font = `${11 * devicePixelRatio}px ${theme.font}`;
      // Label on the side of the line with room for it.
      const right = fx > left + w * 0.7;
      ctx.textAlign = right ? 'right' : 'left';
      ctx.textBaseline = 'top';
      ctx.fillText(
        `first different token (${firstDiff})`,
        fx + (right ? -4 : 4) * devicePixelRatio,
        top + 2 * devicePixelRatio
      );
    }
    ctx.restore();
  }
}
