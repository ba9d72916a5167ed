/**
 * Cell warnings: findings about a cell (static loop-shape findings and live
 * watchdog findings), kept in memory keyed by cell id and shown on the cell.
 *
 * Rendering has two parts, both safe under windowed rendering:
 * - a class on `cell.node`, set at once (the node exists even while the cell
 *   is a placeholder) and re-applied when cells are added or scroll into
 *   view (`NotebookDecorator`);
 * - a CodeMirror 6 line decoration and a marker under the line, built from
 *   this model whenever an editor is created, so a cell rendered later shows
 *   the current warnings (`cellWarningsEditor.ts`).
 *
 * Nothing is written into cell metadata, so nothing is saved into the
 * notebook file. A dismissed warning (cell, code, line) stays hidden for the
 * rest of the session.
 */
import { Cell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { IFinding, Severity } from '../engine/types';

/** The class set on a cell that has warnings. */
export const WARNED_CLASS = 'jp-TinkerDoctor-warned';

/** One warning shown on a cell. */
export interface ICellWarning {
  /** Identifies the warning within its cell (code and line). */
  key: string;
  code: string;
  severity: Severity;
  title: string;
  evidence: string;
  fix: string;
  /** 1-based line within the cell, or null for the whole cell. */
  line: number | null;
}

/** Warnings keyed by cell id, from several owners (one per notebook). */
export class CellWarningsModel {
  /** Emitted with the ids of the cells whose warnings changed. */
  get changed(): ISignal<this, ReadonlySet<string>> {
    return this._changed;
  }

  /** The visible (not dismissed) warnings of a cell. */
  get(cellId: string): ICellWarning[] {
    const all: ICellWarning[] = [];
    for (const byCell of this._owners.values()) {
      for (const warning of byCell.get(cellId) ?? []) {
        if (!this._dismissed.has(Private.dismissKey(cellId, warning))) {
          all.push(warning);
        }
      }
    }
    return all;
  }

  /** Replace every warning of one owner. */
  set(owner: string, byCell: ReadonlyMap<string, ICellWarning[]>): void {
    const before = this._owners.get(owner) ?? new Map();
    const touched = new Set<string>();
    for (const id of new Set([...before.keys(), ...byCell.keys()])) {
      if (!Private.sameWarnings(before.get(id), byCell.get(id))) {
        touched.add(id);
      }
    }
    if (byCell.size === 0) {
      this._owners.delete(owner);
    } else {
      this._owners.set(owner, new Map(byCell));
    }
    if (touched.size > 0) {
      this._changed.emit(touched);
    }
  }

  /** Hide one warning (cell, code, line) for the rest of the session. */
  dismiss(cellId: string, warning: ICellWarning): void {
    this._dismissed.add(Private.dismissKey(cellId, warning));
    this._changed.emit(new Set([cellId]));
  }

  private _owners = new Map<string, Map<string, ICellWarning[]>>();
  private _dismissed = new Set<string>();
  private _changed = new Signal<this, ReadonlySet<string>>(this);
}

/**
 * Turn findings into warnings keyed by cell id. Findings located only by
 * index are mapped through `cellIds` (the notebook's ids in order).
 */
export function warningsFromFindings(
  findings: ReadonlyArray<IFinding>,
  cellIds: ReadonlyArray<string | null>
): Map<string, ICellWarning[]> {
  const byCell = new Map<string, ICellWarning[]>();
  for (const finding of findings) {
    const id =
      finding.cellId ??
      (finding.cellIndex !== null ? cellIds[finding.cellIndex] : null);
    if (!id) {
      continue;
    }
    const list = byCell.get(id) ?? [];
    list.push({
      key: `${finding.code}|${finding.line ?? ''}`,
      code: finding.code,
      severity: finding.severity,
      title: finding.title,
      evidence: finding.evidence,
      fix: finding.fix,
      line: finding.line
    });
    byCell.set(id, list);
  }
  return byCell;
}

/**
 * Keeps the warned class on the cells of one notebook panel, including
 * cells added later and placeholders of a windowed notebook.
 */
export class NotebookDecorator implements IDisposable {
  /** Start decorating `panel` from `model`. */
  constructor(panel: NotebookPanel, model: CellWarningsModel) {
    this._panel = panel;
    this._model = model;
    model.changed.connect(this._onWarnings, this);
    panel.content.model?.cells.changed.connect(this._applyAll, this);
    panel.content.modelChanged.connect(this._onModelChanged, this);
    panel.content.cellInViewportChanged.connect(this._onViewport, this);
    this._applyAll();
  }

  /** Whether the decorator is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /** Stop decorating (classes already set are removed). */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.changed.disconnect(this._onWarnings, this);
    this._panel.content.model?.cells.changed.disconnect(this._applyAll, this);
    if (!this._panel.isDisposed) {
      this._panel.content.widgets.forEach(cell =>
        cell.removeClass(WARNED_CLASS)
      );
    }
    Signal.clearData(this);
  }

  private _onModelChanged(): void {
    this._panel.content.model?.cells.changed.connect(this._applyAll, this);
    this._applyAll();
  }

  private _onWarnings(_: CellWarningsModel, ids: ReadonlySet<string>): void {
    for (const cell of this._panel.content.widgets) {
      if (ids.has(cell.model.id)) {
        this._apply(cell);
      }
    }
  }

  private _onViewport(_: unknown, cell: Cell): void {
    this._apply(cell);
  }

  private _applyAll(): void {
    if (this._isDisposed || this._panel.isDisposed) {
      return;
    }
    this._panel.content.widgets.forEach(cell => this._apply(cell));
  }

  private _apply(cell: Cell): void {
    if (cell.isDisposed) {
      return;
    }
    const warnings = this._model.get(cell.model.id);
    cell.toggleClass(WARNED_CLASS, warnings.length > 0);
    cell.toggleClass(
      `${WARNED_CLASS}-error`,
      warnings.some(w => w.severity === 'error')
    );
  }

  private _panel: NotebookPanel;
  private _model: CellWarningsModel;
  private _isDisposed = false;
}

namespace Private {
  /** The key under which a dismissal is remembered. */
  export function dismissKey(cellId: string, warning: ICellWarning): string {
    return `${cellId}|${warning.key}`;
  }

  /** Whether two warning lists show the same thing. */
  export function sameWarnings(
    a: ICellWarning[] | undefined,
    b: ICellWarning[] | undefined
  ): boolean {
    const keys = (list: ICellWarning[] | undefined) =>
      (list ?? [])
        .map(w => `${w.key}|${w.severity}|${w.title}|${w.evidence}`)
        .join('\n');
    return keys(a) === keys(b);
  }
}
