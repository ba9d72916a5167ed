/**
 * The "Step breakdown" section: the stacked chart, its notes, a data table
 * (for screen readers, copying and tests) and a PNG button.
 */
import { GAP_BAND, IStepBreakdown } from '../../engine/timing/steps';
import { button, el } from '../dom';
import { chartPng, downloadBlob } from './download';
import { StepChart } from './stepChart';
import { IChartTheme } from './theme';

/** Bars drawn at most; more steps are grouped (means). */
export const MAX_BARS = 400;

/** Table rows shown at most (the chart still shows every bar). */
const MAX_TABLE_ROWS = 200;

/** The step breakdown section. */
export class StepsSection {
  /** The section's root node. */
  readonly node: HTMLElement;

  constructor() {
    this.node = el('section', 'jp-TinkerDoctor-chartSection');
    this.node.dataset.chart = 'steps';
    this.node.dataset.state = 'empty';
    const head = el('div', 'jp-TinkerDoctor-chartHead');
    head.append(
      el('h3', 'jp-TinkerDoctor-chartTitle', 'Step breakdown'),
      button(
        'jp-TinkerDoctor-chartButton',
        'Save PNG',
        () => void this.savePng(),
        'Save the step breakdown chart as a PNG image'
      )
    );
    this._status = el('div', 'jp-TinkerDoctor-chartStatus', 'No metrics yet.');
    this._notes = el('ul', 'jp-TinkerDoctor-chartNotes');
    this._host = el('div', 'jp-TinkerDoctor-chart');
    this._table = el('details', 'jp-TinkerDoctor-chartData');
    this.node.append(head, this._status, this._notes, this._host, this._table);
    this._chart = new StepChart(this._host);
  }

  /** The model drawn (after grouping), for tests and exports. */
  get model(): IStepBreakdown | null {
    return this._model;
  }

  /** Show a status line (loading, errors). */
  setStatus(text: string, state: 'loading' | 'error' | 'empty'): void {
    this._status.textContent = text;
    this.node.dataset.state = state;
  }

  /** Draw a breakdown of `steps` steps (already grouped to fit). */
  setBreakdown(
    b: IStepBreakdown,
    steps: number,
    notes: string[],
    source: string,
    theme: IChartTheme,
    width: number
  ): void {
    this._model = b;
    this._source = source;
    this._notes.replaceChildren(
      ...[...notes, ...b.notes].map(n => el('li', '', n))
    );
    if (b.steps.length === 0) {
      this._chart.destroy();
      this._table.replaceChildren();
      this.setStatus(`${source}: no time/* values to chart.`, 'empty');
      return;
    }
    this._status.textContent = `${source}: ${steps} steps.`;
    this.render(theme, width);
    this._fillTable(b);
    this.node.dataset.state = 'ready';
  }

  /** Redraw at a width or after a theme change. */
  render(theme: IChartTheme, width: number): void {
    this._theme = theme;
    if (this._model && this._model.steps.length > 0) {
      this._chart.render(this._model, theme, width, 260);
    }
  }

  /** Save the chart as PNG. */
  async savePng(): Promise<void> {
    const canvas = this._chart.canvas;
    if (!canvas || !this._model || !this._theme) {
      return;
    }
    const theme = this._theme;
    const legend = this._model.bands.map((band, i) => ({
      label: band === GAP_BAND ? band : `time/${band}`,
      color:
        band === GAP_BAND ? theme.gap : theme.palette[i % theme.palette.length]
    }));
    const blob = await chartPng(
      canvas,
      theme,
      `Step breakdown: ${this._source}`,
      legend
    );
    downloadBlob('step-breakdown.png', blob);
  }

  /** Remove the chart. */
  dispose(): void {
    this._chart.destroy();
  }

  private _fillTable(b: IStepBreakdown): void {
    const table = el('table', 'jp-TinkerDoctor-chartTable');
    const head = el('tr');
    head.append(
      el('th', '', b.perBar > 1 ? `step (mean of ${b.perBar})` : 'step'),
      ...b.bands.map(band =>
        el('th', '', band === GAP_BAND ? band : `time/${band}`)
      ),
      el('th', '', 'time/total')
    );
    table.append(head);
    const rows = Math.min(b.steps.length, MAX_TABLE_ROWS);
    for (let i = 0; i < rows; i++) {
      const tr = el('tr');
      tr.dataset.step = String(b.steps[i]);
      tr.append(
        el('td', '', String(b.steps[i])),
        ...b.bands.map((band, bi) => {
          const td = el('td', '', b.values[bi][i].toFixed(2));
          td.dataset.band = band;
          return td;
        }),
        el('td', '', b.totals[i] === null ? '-' : b.totals[i]!.toFixed(2))
      );
      table.append(tr);
    }
    const summary = el(
      'summary',
      '',
      rows < b.steps.length
        ? `Data (first ${rows} of ${b.steps.length} bars, seconds)`
        : 'Data (seconds)'
    );
    this._table.replaceChildren(summary, table);
  }

  private _status: HTMLElement;
  private _notes: HTMLElement;
  private _host: HTMLElement;
  private _table: HTMLDetailsElement;
  private _chart: StepChart;
  private _model: IStepBreakdown | null = null;
  private _theme: IChartTheme | null = null;
  private _source = '';
}
