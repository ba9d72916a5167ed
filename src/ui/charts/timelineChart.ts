/**
 * The timeline chart of one cell run: Tinker requests from submit to
 * resolve (one row per lane of overlapping requests), the main thread's
 * waits on futures, and GIL stalls, on a shared time axis.
 *
 * uPlot draws the axes, grid and cursor; the bars are drawn in its `draw`
 * hook (uPlot has no built-in Gantt series).
 */
import uPlot from 'uplot';

import { ITimelineBar } from '../../engine/timing/timeline';
import { IChartTheme } from './theme';

/** A row of the chart. */
interface IRow {
  kind: ITimelineBar['kind'];
  lane: number;
  label: string;
}

/** A timeline chart living in `host`. */
export class TimelineChart {
  constructor(host: HTMLElement, tooltip: HTMLElement) {
    this._host = host;
    this._tooltip = tooltip;
  }

  /** The chart's canvas, or null before the first render. */
  get canvas(): HTMLCanvasElement | null {
    return this._plot?.ctx.canvas ?? null;
  }

  /** Draw the bars of one run (times in seconds from its start). */
  render(
    bars: ITimelineBar[],
    theme: IChartTheme,
    width: number,
    spans = false
  ): void {
    this.destroy();
    this._bars = bars;
    this._theme = theme;
    this._names.clear();
    this._rows = Private.rows(bars, spans ? 'spans' : 'requests');
    const nRows = Math.max(1, this._rows.length);
    const end = Math.max(1e-3, ...bars.map(b => b.end));
    const height = 60 + nRows * 26;
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: false },
      cursor: { points: { show: false }, drag: { x: true, y: false } },
      scales: {
        x: { time: false, range: [0, end * 1.02] },
        y: { range: [0, nRows] }
      },
      axes: [
        {
          stroke: theme.text,
          grid: { stroke: theme.grid, width: 1 },
          ticks: { stroke: theme.grid },
          font: `11px ${theme.font}`,
          label: 'seconds since the cell started',
          labelFont: `11px ${theme.font}`
        },
        {
          stroke: theme.text,
          grid: { show: false },
          ticks: { show: false },
          font: `11px ${theme.font}`,
          size: 150,
          splits: () => this._rows.map((_, i) => nRows - i - 0.5),
          values: (_u, splits) =>
            splits.map(
              s => this._rows[Math.round(nRows - s - 0.5)]?.label ?? ''
            )
        }
      ],
      series: [{}, { show: false }],
      hooks: {
        draw: [u => this._draw(u)],
        setCursor: [u => this._hover(u)]
      }
    };
    this._plot = new uPlot(
      opts,
      [
        [0, end],
        [null, null]
      ],
      this._host
    );
  }

  /** Resize without rebuilding. */
  setWidth(width: number): void {
    if (this._plot) {
      this._plot.setSize({ width, height: this._plot.height });
    }
  }

  /** Remove the chart. */
  destroy(): void {
    this._plot?.destroy();
    this._plot = null;
    this._tooltip.textContent = '';
  }

  private _rowIndex(bar: ITimelineBar): number {
    return this._rows.findIndex(
      r => r.kind === bar.kind && r.lane === bar.lane
    );
  }

  private _color(bar: ITimelineBar): string {
    const theme = this._theme!;
    if (bar.kind === 'wait') {
      return theme.wait;
    }
    if (bar.kind === 'stall') {
      return theme.stall;
    }
    // One colour per request name, in order of first appearance.
    let index = this._names.get(bar.name);
    if (index === undefined) {
      index = this._names.size;
      this._names.set(bar.name, index);
    }
    return theme.strong[index % theme.strong.length];
  }

  private _draw(u: uPlot): void {
    const ctx = u.ctx;
    const nRows = this._rows.length;
    const rowPx = Math.abs(u.valToPos(1, 'y', true) - u.valToPos(0, 'y', true));
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    ctx.font = `${Math.round(10 * devicePixelRatio)}px ${this._theme!.font}`;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'left';
    for (const bar of this._bars) {
      const row = this._rowIndex(bar);
      const yMid = u.valToPos(nRows - row - 0.5, 'y', true);
      const x0 = u.valToPos(bar.start, 'x', true);
      const x1 = u.valToPos(bar.end, 'x', true);
      const h = rowPx * 0.7;
      const w = Math.max(2, x1 - x0);
      ctx.fillStyle = this._color(bar);
      ctx.globalAlpha = bar.open ? 0.55 : 1;
      ctx.fillRect(x0, yMid - h / 2, w, h);
      ctx.globalAlpha = 1;
      const label = Private.fit(ctx, bar.name, w - 8);
      if (label) {
        // Strong bar colours in both themes: white text reads on all.
        ctx.fillStyle = '#ffffff';
        ctx.fillText(label, x0 + 4, yMid);
      }
    }
    ctx.restore();
  }

  private _hover(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    const top = u.cursor.top ?? -1;
    if (left < 0 || top < 0) {
      this._tooltip.textContent = '';
      return;
    }
    const t = u.posToVal(left, 'x');
    const row = Math.floor(this._rows.length - u.posToVal(top, 'y'));
    const bar = this._bars.find(
      b => this._rowIndex(b) === row && b.start <= t && t <= b.end
    );
    // Names come from the kernel: shown as text only.
    this._tooltip.textContent = bar
      ? `${bar.name}: ${bar.start.toFixed(2)} s to ${bar.end.toFixed(2)} s ` +
        `(${(bar.end - bar.start).toFixed(2)} s` +
        `${bar.open ? ', not ended' : ''})`
      : '';
  }

  private _host: HTMLElement;
  private _tooltip: HTMLElement;
  private _plot: uPlot | null = null;
  private _bars: ITimelineBar[] = [];
  private _rows: IRow[] = [];
  private _theme: IChartTheme | null = null;
  private _names = new Map<string, number>();
}

namespace Private {
  /** Rows: request lanes, then waits, then stalls (only those present). */
  export function rows(bars: ITimelineBar[], requests: string): IRow[] {
    const out: IRow[] = [];
    const labels = {
      request: requests,
      wait: 'main thread waits',
      stall: 'GIL stalls'
    };
    for (const kind of ['request', 'wait', 'stall'] as const) {
      const lanes = Math.max(
        -1,
        ...bars.filter(b => b.kind === kind).map(b => b.lane)
      );
      for (let lane = 0; lane <= lanes; lane++) {
        out.push({
          kind,
          lane,
          label: lanes > 0 ? `${labels[kind]} ${lane + 1}` : labels[kind]
        });
      }
    }
    return out;
  }

  /** `text` cut with an ellipsis to fit `width` px, or '' if nothing fits. */
  export function fit(
    ctx: CanvasRenderingContext2D,
    text: string,
    width: number
  ): string {
    if (ctx.measureText(text).width <= width) {
      return text;
    }
    for (let n = text.length - 1; n >= 3; n--) {
      const cut = text.slice(0, n) + '…';
      if (ctx.measureText(cut).width <= width) {
        return cut;
      }
    }
    return '';
  }
}
