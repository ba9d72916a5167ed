/**
 * The triage side panel: shows the diagnosis of the current notebook (the
 * kernel state, what the kernel is doing now, engine notes and the five
 * triage paths) and offers Diagnose and the path actions.
 */
import { Panel, Widget } from '@lumino/widgets';
import { SidePanel, LabIcon } from '@jupyterlab/ui-components';
import { IFinding, TriagePath } from '../engine/types';
import { PANEL_ID } from '../tokens';
import { button, el } from './dom';
import {
  renderEnvironment,
  renderKernelState,
  renderLiveStatus
} from './kernelView';
import { NotebookDoctor } from './notebookDoctor';
import { ISectionAction, renderPaths } from './triageView';

/** An action offered in a triage path's section (e.g. "Run smoke test"). */
export interface IPanelAction {
  /** Unique id, also set as `data-action` on the button. */
  id: string;
  label: string;
  caption?: string;
  /** The section that shows it. */
  path: TriagePath;
  /** Whether it is running for this notebook. */
  isRunning(doctor: NotebookDoctor): boolean;
  /** Run it for this notebook; problems show as the doctor's message. */
  execute(doctor: NotebookDoctor): Promise<void>;
}

/** The triage panel. */
export class TriagePanel extends SidePanel {
  /** Create the panel; it shows nothing until a doctor is set. */
  constructor(options: TriagePanel.IOptions) {
    super({ content: new Panel() });
    this.id = PANEL_ID;
    this.addClass('jp-TinkerDoctor-panel');
    this.title.icon = options.icon;
    this.title.caption = 'Tinker Doctor';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Tinker Doctor triage');
    this._onDiagnose = options.onDiagnose;
    this._onJump = options.onJump;
    this._view = new Widget();
    this._view.addClass('jp-TinkerDoctor-view');
    this.addWidget(this._view);
    this._render();
  }

  /** The notebook shown, or null. */
  get doctor(): NotebookDoctor | null {
    return this._doctor;
  }

  /** Show `doctor`'s notebook (null: no notebook is current). */
  setDoctor(doctor: NotebookDoctor | null): void {
    if (doctor === this._doctor) {
      return;
    }
    this._doctor?.changed.disconnect(this._scheduleRender, this);
    this._doctor = doctor;
    doctor?.changed.connect(this._scheduleRender, this);
    this._scheduleRender();
  }

  /** Offer an action in its path's section. */
  addAction(action: IPanelAction): void {
    this._actions = [...this._actions.filter(a => a.id !== action.id), action];
    this._scheduleRender();
  }

  /** Stop the live timer with the panel. */
  dispose(): void {
    clearInterval(this._liveTimer);
    this.setDoctor(null);
    super.dispose();
  }

  private _scheduleRender(): void {
    if (this._renderPending) {
      return;
    }
    this._renderPending = true;
    requestAnimationFrame(() => {
      this._renderPending = false;
      if (!this.isDisposed) {
        this._render();
      }
    });
  }

  private _render(): void {
    const node = this._view.node;
    node.replaceChildren();
    const doctor = this._doctor;
    node.appendChild(this._renderHeader(doctor));
    if (!doctor || doctor.isDisposed) {
      node.appendChild(
        el(
          'p',
          'jp-TinkerDoctor-hint',
          'Open a notebook and click Diagnose Tinker in its toolbar.'
        )
      );
      this._updateLiveTimer(false);
      return;
    }
    // For tests and curious users: how often and how fast the engine ran.
    node.dataset.analysisCount = String(doctor.analysisCount);
    node.dataset.analysisMs = (doctor.analysisMs ?? 0).toFixed(1);
    node.appendChild(renderKernelState(doctor.kernelState, doctor.message));
    this._liveNode = el('div', 'jp-TinkerDoctor-liveHolder');
    node.appendChild(this._liveNode);
    this._renderLive();
    const environment = renderEnvironment(doctor.facts());
    if (environment) {
      node.appendChild(environment);
    }
    const notes = doctor.diagnosis?.notes ?? [];
    if (notes.length > 0) {
      const list = el('ul', 'jp-TinkerDoctor-notes');
      notes.forEach(n => list.appendChild(el('li', undefined, n)));
      node.appendChild(list);
    }
    const cells = doctor.panel.content.model?.cells;
    const cellIds: string[] = [];
    if (cells) {
      for (let i = 0; i < cells.length; i++) {
        cellIds.push(cells.get(i).id);
      }
    }
    node.appendChild(
      renderPaths(doctor.diagnosis, {
        actions: this._sectionActions(doctor),
        jump: (f: IFinding) => this._onJump(doctor, f),
        cellIds
      })
    );
  }

  private _renderHeader(doctor: NotebookDoctor | null): HTMLElement {
    const header = el('div', 'jp-TinkerDoctor-header');
    const title = el('div', 'jp-TinkerDoctor-title');
    title.appendChild(el('h2', undefined, 'Tinker Doctor'));
    if (doctor) {
      title.appendChild(
        el('div', 'jp-TinkerDoctor-notebook', doctor.panel.context.path)
      );
    }
    header.appendChild(title);
    const run = button(
      'jp-TinkerDoctor-diagnose jp-mod-styled jp-mod-accept',
      doctor?.running ? 'Diagnosing\u2026' : 'Diagnose',
      () => this._onDiagnose(),
      'Diagnose the current notebook'
    );
    run.disabled = !doctor || doctor.running;
    header.appendChild(run);
    if (doctor?.diagnosedAt) {
      const at = new Date(doctor.diagnosedAt).toLocaleTimeString();
      header.appendChild(
        el('div', 'jp-TinkerDoctor-diagnosedAt', `Diagnosed at ${at}`)
      );
    }
    return header;
  }

  private _sectionActions(
    doctor: NotebookDoctor
  ): Map<string, ISectionAction[]> {
    const byPath = new Map<string, ISectionAction[]>();
    for (const action of this._actions) {
      const list = byPath.get(action.path) ?? [];
      list.push({
        id: action.id,
        label: action.label,
        caption: action.caption,
        running: action.isRunning(doctor),
        run: () => void action.execute(doctor)
      });
      byPath.set(action.path, list);
    }
    return byPath;
  }

  private _renderLive(): void {
    const doctor = this._doctor;
    const holder = this._liveNode;
    if (!doctor || !holder) {
      return;
    }
    const busy = doctor.kernelState.phase === 'busy';
    const live = busy
      ? renderLiveStatus(doctor.liveStatus, Date.now(), (cellId, line) =>
          this._onJump(doctor, {
            cellId,
            cellIndex: null,
            line
          })
        )
      : null;
    holder.replaceChildren(...(live ? [live] : []));
    this._updateLiveTimer(busy && !!doctor.liveStatus);
  }

  /** While a cell runs, refresh the live view's age every second. */
  private _updateLiveTimer(on: boolean): void {
    if (on && this._liveTimer === undefined) {
      this._liveTimer = setInterval(() => this._renderLive(), 1000);
    } else if (!on && this._liveTimer !== undefined) {
      clearInterval(this._liveTimer);
      this._liveTimer = undefined;
    }
  }

  private _doctor: NotebookDoctor | null = null;
  private _view: Widget;
  private _liveNode: HTMLElement | null = null;
  private _actions: IPanelAction[] = [];
  private _onDiagnose: () => void;
  private _onJump: TriagePanel.JumpHandler;
  private _renderPending = false;
  private _liveTimer: ReturnType<typeof setInterval> | undefined;
}

/** The statics of `TriagePanel`. */
export namespace TriagePanel {
  /** Where a link points. */
  export type JumpHandler = (
    doctor: NotebookDoctor,
    target: Pick<IFinding, 'cellId' | 'cellIndex' | 'line'>
  ) => void;

  /** Options to create the panel. */
  export interface IOptions {
    icon: LabIcon;
    /** Diagnose the current notebook. */
    onDiagnose: () => void;
    /** Jump to a finding's cell and line. */
    onJump: JumpHandler;
  }
}
