/**
 * Live error decoding: watch every notebook's cell outputs and, as error
 * outputs and stream lines arrive, decode them with the decoder table and
 * show the result right under the cell's output area.
 *
 * Works with windowed notebooks: decoding follows the cell models, which
 * exist for every cell; the annotation is attached once the cell widget is
 * ready and re-attached when the cell comes into view. Nothing is written
 * into the notebook model, so nothing is saved with the file.
 */
import { Cell, ICodeCellModel } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { IObservableString } from '@jupyterlab/observables';
import { IDisposable } from '@lumino/disposable';
import { Signal } from '@lumino/signaling';
import { decodeCellFindings } from '../engine/decoder';
import { readNotebook } from '../engine/notebook';
import { IFinding } from '../engine/types';
import { DecodedAnnotation } from './outputDecoderView';

/** Called for a finding's "more" link, with the notebook it belongs to. */
export type OnMore = (finding: IFinding, panel: NotebookPanel) => void;

/** How long output may keep changing before a cell is decoded again, ms. */
const SETTLE_MS = 150;

/** Decodes outputs live in every notebook the tracker knows. */
export class OutputDecoder implements IDisposable {
  /** Start watching the tracker's notebooks, present and future. */
  constructor(tracker: INotebookTracker, onMore: OnMore) {
    this._tracker = tracker;
    this._onMore = onMore;
    tracker.widgetAdded.connect(this._onNotebook, this);
    tracker.forEach(panel => this._onNotebook(tracker, panel));
  }

  /** Whether the decoder is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** The decoded findings of a notebook's cells, by cell id. */
  findingsOf(panel: NotebookPanel): ReadonlyMap<string, IFinding[]> {
    return this._watchers.get(panel)?.findings ?? new Map();
  }

  /** Stop watching and remove every annotation. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._tracker.widgetAdded.disconnect(this._onNotebook, this);
    this._watchers.forEach(watcher => watcher.dispose());
    this._watchers.clear();
    Signal.clearData(this);
  }

  private _onNotebook(_: INotebookTracker, panel: NotebookPanel): void {
    if (this._watchers.has(panel) || panel.isDisposed) {
      return;
    }
    const watcher = new NotebookWatcher(panel, f => this._onMore(f, panel));
    this._watchers.set(panel, watcher);
    panel.disposed.connect(() => {
      watcher.dispose();
      this._watchers.delete(panel);
    });
  }

  private _tracker: INotebookTracker;
  private _onMore: OnMore;
  private _watchers = new Map<NotebookPanel, NotebookWatcher>();
  private _isDisposed = false;
}

/** Decodes the outputs of one notebook and keeps its annotations. */
class NotebookWatcher implements IDisposable {
  constructor(panel: NotebookPanel, onMore: (finding: IFinding) => void) {
    this._panel = panel;
    this._onMore = onMore;
    panel.content.modelChanged.connect(this._onModel, this);
    panel.content.cellInViewportChanged.connect(this._onViewport, this);
    this._onModel();
  }

  /** Decoded findings by cell id. */
  readonly findings = new Map<string, IFinding[]>();

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._timers.forEach(timer => clearTimeout(timer));
    this._timers.clear();
    this._annotations.forEach(annotation => annotation.dispose());
    this._annotations.clear();
    this._watched.forEach(model => {
      if (!model.isDisposed) {
        model.outputs.changed.disconnect(this._onOutputs, this);
      }
    });
    this._watched.clear();
    this._streams.forEach(([text, slot]) => text.changed.disconnect(slot));
    this._streams = [];
    Signal.clearData(this);
  }

  /** (Re)connect to the notebook model and its cells. */
  private _onModel(): void {
    const model = this._panel.content.model;
    if (!model || model === this._model) {
      return;
    }
    this._model?.cells.changed.disconnect(this._onCells, this);
    this._model = model;
    model.cells.changed.connect(this._onCells, this);
    this._onCells();
  }

  /** Watch cells added since last time; decode their stored outputs. */
  private _onCells(): void {
    const cells = this._model?.cells;
    if (!cells || this._isDisposed) {
      return;
    }
    const present = new Set<string>();
    for (let i = 0; i < cells.length; i++) {
      const model = cells.get(i);
      present.add(model.id);
      if (model.type !== 'code' || this._watched.has(model.id)) {
        continue;
      }
      const code = model as ICodeCellModel;
      this._watched.set(model.id, code);
      code.outputs.changed.connect(this._onOutputs, this);
      this._watchStreams(model.id, code);
      this._schedule(model.id);
    }
    for (const id of Array.from(this._watched.keys())) {
      if (!present.has(id)) {
        this._forget(id);
      }
    }
  }

  private _onOutputs(outputs: unknown): void {
    for (const [id, model] of this._watched) {
      if (!model.isDisposed && model.outputs === outputs) {
        this._watchStreams(id, model);
        this._schedule(id);
      }
    }
  }

  /**
   * Text appended to a stream output changes that output's text in place
   * without a change of the output list: watch each stream's text too.
   */
  private _watchStreams(id: string, model: ICodeCellModel): void {
    // Streams of cleared outputs are disposed: forget them.
    this._streams = this._streams.filter(([text]) => !text.isDisposed);
    const outputs = model.outputs;
    for (let i = 0; i < outputs.length; i++) {
      const text = outputs.get(i).streamText;
      if (!text || this._streamTexts.has(text)) {
        continue;
      }
      this._streamTexts.add(text);
      const slot = (): void => this._schedule(id);
      text.changed.connect(slot);
      this._streams.push([text, slot]);
    }
  }

  private _onViewport(_: unknown, cell: Cell): void {
    const annotation = this._annotations.get(cell.model.id);
    if (annotation && cell.inViewport) {
      annotation.attachTo(cell);
    }
  }

  /**
   * Decode a cell once its output has settled. A cell whose output is
   * costly to decode (long logs) waits longer, so that decoding never takes
   * more than a fraction of the main thread while output streams in.
   */
  private _schedule(id: string): void {
    clearTimeout(this._timers.get(id));
    const delay = Math.max(SETTLE_MS, 4 * (this._costs.get(id) ?? 0));
    this._timers.set(
      id,
      setTimeout(() => {
        this._timers.delete(id);
        const start = performance.now();
        this._decode(id);
        this._costs.set(id, performance.now() - start);
      }, delay)
    );
  }

  private _decode(id: string): void {
    const model = this._watched.get(id);
    const cells = this._model?.cells;
    if (this._isDisposed || !model || model.isDisposed || !cells) {
      return;
    }
    let findings: IFinding[] = [];
    try {
      const index = Private.indexOf(cells, id);
      const input = readNotebook({ cells: [model.toJSON()] }).cells[0];
      findings = decodeCellFindings({ ...input, index, id });
    } catch {
      // Output we cannot read is left undecoded rather than breaking the
      // notebook; the panel's diagnosis reports unreadable notebooks.
      findings = [];
    }
    if (findings.length === 0) {
      this.findings.delete(id);
    } else {
      this.findings.set(id, findings);
    }
    void this._render(id, findings);
  }

  /** Show (or remove) the annotation of one cell. */
  private async _render(id: string, findings: IFinding[]): Promise<void> {
    let annotation = this._annotations.get(id);
    if (findings.length === 0) {
      annotation?.dispose();
      this._annotations.delete(id);
      return;
    }
    if (!annotation) {
      annotation = new DecodedAnnotation(this._onMore);
      this._annotations.set(id, annotation);
    }
    annotation.setFindings(findings);
    const cell = this._panel.content.widgets.find(w => w.model.id === id);
    if (!cell) {
      return;
    }
    await cell.ready;
    if (!this._isDisposed && !annotation.isDisposed) {
      annotation.attachTo(cell);
    }
  }

  private _forget(id: string): void {
    const model = this._watched.get(id);
    if (model && !model.isDisposed) {
      model.outputs.changed.disconnect(this._onOutputs, this);
    }
    this._watched.delete(id);
    clearTimeout(this._timers.get(id));
    this._timers.delete(id);
    this._costs.delete(id);
    this._annotations.get(id)?.dispose();
    this._annotations.delete(id);
    this.findings.delete(id);
  }

  private _panel: NotebookPanel;
  private _onMore: (finding: IFinding) => void;
  private _model: NotebookPanel['content']['model'] = null;
  private _watched = new Map<string, ICodeCellModel>();
  private _annotations = new Map<string, DecodedAnnotation>();
  private _timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Milliseconds the last decode of each cell took. */
  private _costs = new Map<string, number>();
  private _streamTexts = new WeakSet<object>();
  private _streams: Array<[IObservableString, () => void]> = [];
  private _isDisposed = false;
}

namespace Private {
  /** The index of a cell in the notebook's cell list, or -1. */
  export function indexOf(
    cells: { length: number; get(i: number): { id: string } },
    id: string
  ): number {
    for (let i = 0; i < cells.length; i++) {
      if (cells.get(i).id === id) {
        return i;
      }
    }
    return -1;
  }
}
