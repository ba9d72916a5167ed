/**
 * The "Timeline" section: one chart per cell run (chosen in a list), a data
 * table, the trace export (Chrome/Perfetto JSON) and a PNG button.
 */
import {
  ITimelineBar,
  ITimelineRun,
  readTimeline,
  timelineBars
} from '../../engine/timing/timeline';
import { timelineTraceJson } from '../../engine/timing/traceExport';
import { button, el } from '../dom';
import { chartPng, downloadBlob, downloadText } from './download';
import { IChartTheme } from './theme';
import { TimelineChart } from './timelineChart';

/** The timeline section. */
export class TimelineSection {
  /** The section's root node. */
  readonly node: HTMLElement;

  constructor() {
    this.node = el('section', 'jp-TinkerDoctor-chartSection');
    this.node.dataset.chart = 'timeline';
    this.node.dataset.state = 'empty';
    const head = el('div', 'jp-TinkerDoctor-chartHead');
    this._select = el('select', 'jp-TinkerDoctor-chartSelect');
    this._select.setAttribute('aria-label', 'Cell run');
    this._select.addEventListener('change', () => this._show());
    head.append(
      el('h3', 'jp-TinkerDoctor-chartTitle', 'Timeline'),
      this._select,
      button(
        'jp-TinkerDoctor-chartButton',
        'Export trace',
        () => this.exportTrace(),
        'Download the timelines as Chrome trace JSON ' +
          '(open in ui.perfetto.dev or chrome://tracing)'
      ),
      button(
        'jp-TinkerDoctor-chartButton',
        'Save PNG',
        () => void this.savePng(),
        'Save this timeline chart as a PNG image'
      )
    );
    this._status = el(
      'div',
      'jp-TinkerDoctor-chartStatus',
      'No cell run recorded yet.'
    );
    this._host = el('div', 'jp-TinkerDoctor-chart');
    this._tooltip = el('div', 'jp-TinkerDoctor-chartTooltip');
    this._tooltip.setAttribute('aria-live', 'polite');
    this._table = el('details', 'jp-TinkerDoctor-chartData');
    this.node.append(
      head,
      this._status,
      this._host,
      this._tooltip,
      this._table
    );
    this._chart = new TimelineChart(this._host, this._tooltip);
  }

  /** The runs shown. */
  get runs(): ITimelineRun[] {
    return this._runs;
  }

  /**
   * Show the agent's timelines (`export()` output; validated here). Keeps
   * the chosen run when it is still there, else shows the latest.
   */
  setTimeline(value: unknown, theme: IChartTheme, width: number): void {
    this._agentRuns = readTimeline(value);
    this._update(theme, width);
  }

  /** Show a cookbook trace's steps after the agent's runs. */
  setTraceRuns(runs: ITimelineRun[], theme: IChartTheme, width: number): void {
    this._traceRuns = runs;
    this._update(theme, width);
  }

  private _update(theme: IChartTheme, width: number): void {
    const chosen = this._select.value;
    this._runs = [...this._agentRuns, ...this._traceRuns];
    this._theme = theme;
    this._width = width;
    this._select.replaceChildren(
      ...this._runs.map((run, i) => {
        const option = el('option', '', Private.label(run));
        option.value = String(i);
        return option;
      })
    );
    if (this._runs.length === 0) {
      this._chart.destroy();
      this._table.replaceChildren();
      this._status.textContent = 'No cell run recorded yet.';
      this.node.dataset.state = 'empty';
      return;
    }
    const keep = Number(chosen);
    this._select.value =
      chosen !== '' && keep < this._runs.length
        ? chosen
        : String(this._runs.length - 1);
    this._show();
  }

  /** Redraw at a width or after a theme change. */
  render(theme: IChartTheme, width: number): void {
    this._theme = theme;
    this._width = width;
    if (this._runs.length > 0) {
      this._show();
    }
  }

  /** Download the agent's runs as one trace file. */
  exportTrace(): void {
    // The agent's runs only: a cookbook trace has its own Perfetto file.
    if (this._agentRuns.length === 0) {
      return;
    }
    downloadText(
      'tinker-doctor-trace.json',
      timelineTraceJson(this._agentRuns),
      'application/json'
    );
  }

  /** Save the chart shown as PNG. */
  async savePng(): Promise<void> {
    const canvas = this._chart.canvas;
    const run = this._current();
    if (!canvas || !run || !this._theme) {
      return;
    }
    const t = this._theme;
    const blob = await chartPng(canvas, t, `Timeline: ${Private.label(run)}`, [
      { label: 'Tinker request (submit to resolve)', color: t.strong[0] },
      { label: 'main thread waits', color: t.wait },
      { label: 'GIL stall', color: t.stall }
    ]);
    downloadBlob('timeline.png', blob);
  }

  /** Remove the chart. */
  dispose(): void {
    this._chart.destroy();
  }

  private _current(): ITimelineRun | null {
    return this._runs[Number(this._select.value)] ?? null;
  }

  private _show(): void {
    const run = this._current();
    if (!run || !this._theme) {
      return;
    }
    const bars = timelineBars(run);
    const trace = run.source === 'trace';
    this._chart.render(bars, this._theme, this._width, trace);
    const counts = ['request', 'wait', 'stall'].map(
      k => bars.filter(b => b.kind === k).length
    );
    const more = run.dropped ? `; ${run.dropped} more not kept` : '';
    this._status.textContent = trace
      ? `${counts[0]} span(s) from the cookbook trace${more}.`
      : `${counts[0]} request(s), ${counts[1]} wait(s), ${counts[2]} ` +
        `stall(s)${more}.`;
    this._fillTable(bars, trace);
    this.node.dataset.state = 'ready';
  }

  private _fillTable(bars: ITimelineBar[], trace: boolean): void {
    const table = el('table', 'jp-TinkerDoctor-chartTable');
    const head = el('tr');
    head.append(
      ...['kind', 'name', 'start (s)', 'end (s)', 'duration (s)'].map(h =>
        el('th', '', h)
      )
    );
    table.append(head);
    for (const bar of bars.slice(0, 200)) {
      const tr = el('tr');
      const kind = trace && bar.kind === 'request' ? 'span' : bar.kind;
      tr.dataset.kind = kind;
      tr.append(
        el('td', '', kind),
        el('td', '', bar.name + (bar.open ? ' (not ended)' : '')),
        el('td', '', bar.start.toFixed(2)),
        el('td', '', bar.end.toFixed(2)),
        el('td', '', (bar.end - bar.start).toFixed(2))
      );
      table.append(tr);
    }
    this._table.replaceChildren(el('summary', '', 'Data'), table);
  }

  private _status: HTMLElement;
  private _host: HTMLElement;
  private _tooltip: HTMLElement;
  private _table: HTMLDetailsElement;
  private _select: HTMLSelectElement;
  private _chart: TimelineChart;
  private _runs: ITimelineRun[] = [];
  private _agentRuns: ITimelineRun[] = [];
  private _traceRuns: ITimelineRun[] = [];
  private _theme: IChartTheme | null = null;
  private _width = 600;
}

namespace Private {
  export function label(run: ITimelineRun): string {
    if (run.label) {
      return run.label;
    }
    const when = new Date(run.startedAt * 1000).toLocaleTimeString();
    const cell =
      run.cellIndex !== null && run.cellIndex !== undefined
        ? `cell ${run.cellIndex + 1}`
        : run.cellId
          ? `cell ${run.cellId.slice(0, 8)}`
          : 'cell';
    return `Run ${run.run}: ${cell} at ${when}`;
  }
}
