/**
 * "Where the time goes": the step breakdown from a run's `metrics.jsonl`
 * and the agent's per-cell-run timeline, as one Lumino widget for the
 * panel's performance section.
 *
 * Charts use uPlot (1.6.32: ~51 KB minified, ~22 KB gzipped, canvas, no
 * dependencies): the smallest well-kept library that draws 100,000 points
 * fast. Colours come from JupyterLab's CSS variables (light and dark).
 */
import { InputDialog } from '@jupyterlab/apputils';
import { Contents, ServerConnection } from '@jupyterlab/services';
import type { Message } from '@lumino/messaging';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';
import 'uplot/dist/uPlot.min.css';

import { readMetricsAsync } from '../../engine/timing/metrics';
import { readTraceAsync, traceSpans } from '../../engine/timing/trace';
import { traceTimelines } from '../../engine/timing/traceTimeline';
import { IMetricsInput, INotebookInput } from '../../engine/types';
import { button, el } from '../dom';
import { downloadText } from './download';
import {
  findRunPaths,
  metricsFileFor,
  toContentsPath,
  traceFileFor
} from './runFolder';
import { breakdownAsync, responseChunks } from './loading';
import { StepsSection } from './stepsSection';
import { readTheme, watchTheme } from './theme';
import { TimelineSection } from './timelineSection';

/** Traces larger than this are not read in the browser. */
const MAX_TRACE_BYTES = 50e6;

/** Lines parsed between yields (small: the machine may be busy). */
const LINES_PER_YIELD = 500;

/** What the view needs from the application (all optional). */
export interface ITimingViewOptions {
  /** For reading run folders; without it the chooser is hidden. */
  contents?: Contents.IManager;
  /** The current notebook and its folder, to find the run's `log_path`. */
  notebook?: () => { input: INotebookInput; dir: string } | null;
  /** The server's root folder on disk, to map absolute paths. */
  serverRoot?: string | null;
  /**
   * For streaming files from the server's `/files/` handler (large metrics
   * files arrive in chunks instead of one 10 MB JSON reply).
   */
  serverSettings?: ServerConnection.ISettings;
}

/** The timing view: toolbar, step breakdown, timeline. */
export class TimingView extends Widget {
  constructor(options: ITimingViewOptions = {}) {
    super();
    this._options = options;
    this.addClass('jp-TinkerDoctor-timing');
    this.title.label = 'Where the time goes';
    const bar = el('div', 'jp-TinkerDoctor-chartToolbar');
    if (options.contents) {
      bar.append(
        button(
          'jp-TinkerDoctor-chartButton',
          'Open run folder…',
          () => void this.chooseRun(),
          "Read a run's metrics.jsonl (log_path) through the file server"
        )
      );
    }
    this._source = el('span', 'jp-TinkerDoctor-chartSource');
    bar.append(this._source);
    this._steps = new StepsSection();
    this._timeline = new TimelineSection();
    this.node.append(bar, this._steps.node, this._timeline.node);
    this._stopWatch = watchTheme(() => this._redraw());
  }

  /** Emitted with the metrics each time a file is read (for diagnosis). */
  get metricsChanged(): ISignal<this, IMetricsInput> {
    return this._metricsChanged;
  }

  /**
   * Show metrics read elsewhere (e.g. by the panel). The bars are grouped a
   * slice at a time, so a large run does not hold the page. Unlike files
   * read by the view, this does not emit `metricsChanged`.
   */
  async setMetrics(
    metrics: IMetricsInput,
    source = 'metrics.jsonl'
  ): Promise<void> {
    const token = ++this._loads;
    const { breakdown, steps } = await breakdownAsync(metrics.rows);
    if (token !== this._loads) {
      return;
    }
    this._source.textContent = source;
    this._steps.setBreakdown(
      breakdown,
      steps,
      metrics.notes,
      source,
      readTheme(this.node),
      this._width()
    );
  }

  /** Show the agent's timelines (`timeline.export()` output). */
  setTimeline(timeline: unknown): void {
    this._timeline.setTimeline(timeline, readTheme(this.node), this._width());
  }

  /**
   * Read metrics (the whole text, or chunks as they arrive) without
   * blocking the page, then chart them. Errors are shown in the section,
   * never thrown.
   */
  async loadMetrics(
    text: string | AsyncIterable<string>,
    source: string
  ): Promise<void> {
    const token = ++this._loads;
    this._steps.setStatus(`Reading ${source}…`, 'loading');
    try {
      const metrics = await readMetricsAsync(text, {
        yieldEvery: LINES_PER_YIELD,
        onProgress: lines =>
          this._steps.setStatus(`Reading ${source}: ${lines} lines`, 'loading')
      });
      const { breakdown, steps } = await breakdownAsync(metrics.rows);
      if (token !== this._loads) {
        return;
      }
      this._source.textContent = source;
      this._steps.setBreakdown(
        breakdown,
        steps,
        metrics.notes,
        source,
        readTheme(this.node),
        this._width()
      );
      this._metricsChanged.emit(metrics);
    } catch (error) {
      if (token === this._loads) {
        this._steps.setStatus(
          `${source}: ${(error as Error).message}`,
          'error'
        );
      }
    }
  }

  /** Read a metrics file (or a run folder's) through the contents API. */
  async loadMetricsFile(path: string): Promise<void> {
    const contents = this._options.contents;
    if (!contents) {
      return;
    }
    const file = metricsFileFor(path);
    this._steps.setStatus(`Opening ${file}…`, 'loading');
    const settings = this._options.serverSettings;
    try {
      if (settings) {
        const url =
          settings.baseUrl +
          'files/' +
          file.split('/').map(encodeURIComponent).join('/');
        const response = await ServerConnection.makeRequest(url, {}, settings);
        if (!response.ok) {
          throw new Error(`${response.status} ${response.statusText}`);
        }
        if (response.body) {
          await this.loadMetrics(responseChunks(response.body), file);
          this._checkTrace(file);
          return;
        }
      }
      const model = await contents.get(file, { content: true, format: 'text' });
      const text = typeof model.content === 'string' ? model.content : '';
      await this.loadMetrics(text, file);
      this._checkTrace(file);
    } catch (error) {
      this._steps.setStatus(
        `Cannot open ${file}: ${Private.reason(error)}`,
        'error'
      );
    }
  }

  /** Load a saved timeline (`export()` output as JSON) from a file. */
  async loadTimelineFile(path: string): Promise<void> {
    const contents = this._options.contents;
    if (!contents) {
      return;
    }
    try {
      const model = await contents.get(path, { content: true, format: 'text' });
      this.setTimeline(JSON.parse(String(model.content)));
    } catch (error) {
      this._timeline.node.dataset.state = 'error';
    }
  }

  /** Ask for a run folder or metrics file, proposing the detected one. */
  async chooseRun(): Promise<void> {
    const nb = this._options.notebook?.() ?? null;
    const hints = nb ? findRunPaths(nb.input) : [];
    const proposed = hints.length
      ? toContentsPath(hints[0].path, nb!.dir, this._options.serverRoot)
      : '';
    const answer = await InputDialog.getText({
      title: 'Open a run folder',
      label: hints.length
        ? 'Run folder or metrics.jsonl (found in cell ' +
          `${hints[0].cellIndex + 1})`
        : 'Run folder or metrics.jsonl, relative to the file browser root',
      text: proposed,
      placeholder: 'runs/my-run'
    });
    if (answer.button.accept && answer.value) {
      await this.loadMetricsFile(answer.value.trim());
    }
  }

  /** Lumino: the widget's size changed. */
  protected onResize(msg: Widget.ResizeMessage): void {
    if (this._resizeFrame) {
      cancelAnimationFrame(this._resizeFrame);
    }
    this._resizeFrame = requestAnimationFrame(() => {
      this._resizeFrame = 0;
      this._redraw();
    });
  }

  /** Lumino: shown again (size or theme may have changed meanwhile). */
  protected onAfterShow(msg: Message): void {
    this._redraw();
  }

  /** Dispose of the charts and the theme watcher. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._stopWatch();
    this._steps.dispose();
    this._timeline.dispose();
    Signal.clearData(this);
    super.dispose();
  }

  private _redraw(): void {
    const theme = readTheme(this.node);
    const width = this._width();
    this._steps.render(theme, width);
    this._timeline.render(theme, width);
  }

  private _width(): number {
    return Math.max(280, (this.node.clientWidth || 640) - 24);
  }

  /**
   * If the run folder has the cookbook's `trace_events.jsonl`, chart its
   * steps in the timeline and offer it as a Perfetto file.
   */
  private _checkTrace(metricsFile: string): void {
    const contents = this._options.contents;
    const path = traceFileFor(metricsFile);
    this._traceButton?.remove();
    this._traceButton = null;
    this._timeline.setTraceRuns([], readTheme(this.node), this._width());
    if (contents) {
      void this._loadTrace(contents, path).catch(error => {
        this._traceNote(`${path}: ${Private.reason(error)}`);
      });
    }
  }

  private async _loadTrace(
    contents: Contents.IManager,
    path: string
  ): Promise<void> {
    let size: number | undefined;
    try {
      size = (await contents.get(path, { content: false })).size;
    } catch {
      return; // No trace in this run folder: nothing to say.
    }
    if (size !== undefined && size > MAX_TRACE_BYTES) {
      this._traceNote(
        `${path} is ${Math.round(size / 1e6)} MB: too large to chart ` +
          'here; convert it with python -m tinker_cookbook.utils.trace.'
      );
      return;
    }
    const model = await contents.get(path, { content: true, format: 'text' });
    const trace = await readTraceAsync(String(model.content ?? ''));
    const runs = traceTimelines(traceSpans(trace.events));
    this._timeline.setTraceRuns(runs, readTheme(this.node), this._width());
    this._traceButton = button(
      'jp-TinkerDoctor-chartButton',
      'Trace for Perfetto',
      () =>
        downloadText(
          'trace_events.json',
          JSON.stringify({ traceEvents: trace.events, displayTimeUnit: 'ms' }),
          'application/json'
        ),
      `Save ${path} (JSON lines) as a trace file that ui.perfetto.dev ` +
        'and chrome://tracing open'
    );
    this._source.after(this._traceButton);
  }

  private _traceNote(text: string): void {
    const note = el('span', 'jp-TinkerDoctor-chartSource', text);
    this._traceButton = note;
    this._source.after(note);
  }

  private _options: ITimingViewOptions;
  private _source: HTMLElement;
  private _steps: StepsSection;
  private _timeline: TimelineSection;
  private _stopWatch: () => void;
  private _traceButton: HTMLElement | null = null;
  private _loads = 0;
  private _resizeFrame = 0;
  private _metricsChanged = new Signal<this, IMetricsInput>(this);
}

namespace Private {
  export function reason(error: unknown): string {
    const text = (error as Error)?.message ?? String(error);
    return text.split('\n')[0].slice(0, 200);
  }
}
