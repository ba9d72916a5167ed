/**
 * The step breakdown chart: one stacked bar per step, one band per span,
 * and the untraced gap to `time/total` as its own hatched band.
 *
 * Drawn with uPlot (1.6, ~51 KB minified, ~22 KB gzipped, canvas): it gives
 * the axes, scales, cursor and legend values per step; the stacked bars
 * are drawn in its `draw` hook.
 */
import uPlot from 'uplot';

import { GAP_BAND, IStepBreakdown } from '../../engine/timing/steps';
import { hatch, IChartTheme } from './theme';

/** A stacked step chart living in `host`. */
export class StepChart {
  constructor(host: HTMLElement) {
    this._host = host;
  }

  /** The chart's canvas (axes and bars), or null before the first render. */
  get canvas(): HTMLCanvasElement | null {
    return this._plot?.ctx.canvas ?? null;
  }

  /** Draw (or redraw) the breakdown. */
  render(
    b: IStepBreakdown,
    theme: IChartTheme,
    width: number,
    height: number
  ): void {
    this.destroy();
    this._model = b;
    this._theme = theme;
    const n = b.steps.length;
    const x = b.steps.map((_, i) => i);
    const stacked = b.steps.map((_, i) =>
      b.values.reduce((sum, band) => sum + band[i], 0)
    );
    const top = Math.max(1e-9, ...stacked, ...b.totals.map(t => t ?? 0));
    const seconds = (_u: uPlot, v: number | null) =>
      v === null || v === undefined ? '-' : `${v.toFixed(2)} s`;
    const opts: uPlot.Options = {
      width,
      height,
      legend: { show: true, live: true },
      cursor: { points: { show: false }, drag: { x: false, y: false } },
      scales: {
        x: { time: false, range: [-0.5, Math.max(0.5, n - 0.5)] },
        y: { range: [0, top * 1.05] }
      },
      axes: [
        {
          stroke: theme.text,
          grid: { show: false },
          ticks: { stroke: theme.grid },
          font: `11px ${theme.font}`,
          label: 'step',
          labelFont: `11px ${theme.font}`,
          values: (_u, splits) =>
            splits.map(s =>
              Number.isInteger(s) && s >= 0 && s < n ? String(b.steps[s]) : ''
            )
        },
        {
          stroke: theme.text,
          grid: { stroke: theme.grid, width: 1 },
          ticks: { stroke: theme.grid },
          font: `11px ${theme.font}`,
          label: 'seconds',
          labelFont: `11px ${theme.font}`
        }
      ],
      series: [
        {
          label: 'step',
          value: (_u, v) =>
            v === null || v === undefined ? '-' : String(b.steps[v] ?? '-')
        },
        ...b.bands.map((band, i) => ({
          label: band === GAP_BAND ? band : `time/${band}`,
          stroke: this._color(band, i),
          fill: this._color(band, i),
          width: 0,
          points: { show: false },
          paths: () => null,
          value: seconds
        }))
      ],
      hooks: { draw: [u => this._draw(u)] }
    };
    this._plot = new uPlot(opts, [x, ...b.values], this._host);
  }

  /** Resize without rebuilding. */
  setSize(width: number, height: number): void {
    this._plot?.setSize({ width, height });
  }

  /** Remove the chart. */
  destroy(): void {
    this._plot?.destroy();
    this._plot = null;
  }

  private _color(band: string, index: number): string {
    const theme = this._theme!;
    return band === GAP_BAND
      ? theme.gap
      : theme.palette[index % theme.palette.length];
  }

  private _draw(u: uPlot): void {
    const b = this._model!;
    const ctx = u.ctx;
    const n = b.steps.length;
    const slot = Math.abs(u.valToPos(1, 'x', true) - u.valToPos(0, 'x', true));
    const barWidth = Math.max(1, Math.min(slot * 0.8, 60 * devicePixelRatio));
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    b.bands.forEach((band, bi) => {
      const color = this._color(band, bi);
      ctx.fillStyle = band === GAP_BAND ? hatch(ctx, color) : color;
      for (let i = 0; i < n; i++) {
        const v = b.values[bi][i];
        if (!(v > 0)) {
          continue;
        }
        let below = 0;
        for (let k = 0; k < bi; k++) {
          below += b.values[k][i];
        }
        const y0 = u.valToPos(below, 'y', true);
        const y1 = u.valToPos(below + v, 'y', true);
        const cx = u.valToPos(i, 'x', true);
        ctx.fillRect(cx - barWidth / 2, y1, barWidth, Math.max(1, y0 - y1));
      }
    });
    ctx.restore();
  }

  private _host: HTMLElement;
  private _plot: uPlot | null = null;
  private _model: IStepBreakdown | null = null;
  private _theme: IChartTheme | null = null;
}
