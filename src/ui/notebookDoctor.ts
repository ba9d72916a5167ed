/**
 * The per-notebook controller: owns the kernel bridge, keeps the latest
 * facts (snapshot, pushed watchdog events, check results), runs the engine
 * and publishes the diagnosis to the panel and the cell warnings.
 *
 * The engine runs on Diagnose, when a check finishes, when the watchdog
 * pushes a stall or wait, and (debounced, when the browser is idle) after
 * the user edits the notebook, so static findings follow the typing without
 * slowing it.
 */
import { NotebookPanel } from '@jupyterlab/notebook';
import { JSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { diagnose } from '../engine/diagnose';
import { FACTS_SCHEMA, IFacts, IStallFact, IWaitFact } from '../engine/facts';
import { readNotebook } from '../engine/notebook';
import { IDiagnosis, INotebookInput } from '../engine/types';
import { BridgeError, KernelBridge } from '../kernel/bridge';
import { IAgentEvent, IKernelState, ILiveStatus } from '../tokens';
import { CellWarningsModel, warningsFromFindings } from './cellWarnings';

/** How long to wait after an edit before analysing, in ms. */
const EDIT_DEBOUNCE_MS = 400;

/** How many pushed stalls and waits to keep. */
const MAX_EVENTS = 100;

/** Diagnoses one notebook. */
export class NotebookDoctor implements IDisposable {
  /** Start following `panel`. */
  constructor(options: NotebookDoctor.IOptions) {
    this.panel = options.panel;
    this._warnings = options.warnings;
    this._owner = options.panel.id;
    this._bridge = new KernelBridge(options.panel.sessionContext);
    this._bridge.stateChanged.connect(this._onKernelState, this);
    this._bridge.eventReceived.connect(this._onEvent, this);
    this._bridge.factsReceived.connect(this._onFacts, this);
    options.panel.content.modelContentChanged.connect(this._onEdit, this);
    void options.panel.context.ready.then(() => this._schedule(0));
  }

  /** The notebook panel this controller diagnoses. */
  readonly panel: NotebookPanel;

  /** Emitted when anything the panel shows changes. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** The kernel state. */
  get kernelState(): IKernelState {
    return this._bridge.state;
  }

  /** The latest diagnosis, or null before the first. */
  get diagnosis(): IDiagnosis | null {
    return this._diagnosis;
  }

  /** When the latest Diagnose finished (epoch ms), or null. */
  get diagnosedAt(): number | null {
    return this._diagnosedAt;
  }

  /** Whether a Diagnose is in progress. */
  get running(): boolean {
    return this._running;
  }

  /** A message about the latest Diagnose or check (queued, failed…). */
  get message(): string | null {
    return this._message;
  }

  /** The watchdog's latest status while a cell runs, or null. */
  get liveStatus(): ILiveStatus | null {
    return this._bridge.latestStatus;
  }

  /** The checks now running, by name. */
  get checksRunning(): ReadonlySet<string> {
    return this._checksRunning;
  }

  /** How many times the engine has run for this notebook. */
  get analysisCount(): number {
    return this._analysisCount;
  }

  /** How long the latest engine run took (notebook read included), in ms. */
  get analysisMs(): number | null {
    return this._analysisMs;
  }

  /** Whether the controller is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Diagnose: get fresh facts from the kernel (when there is a Python one)
   * and run the engine over them and the notebook. Never throws: problems
   * become the panel's message.
   */
  async diagnose(): Promise<void> {
    this._running = true;
    this._message = null;
    this._changed.emit();
    try {
      const facts = await this._bridge.snapshot(() => {
        this._message =
          'The probe is queued behind the running cell; the result will ' +
          'show when the cell finishes.';
        this._changed.emit();
      });
      this._snapshot = facts;
      this._message = null;
    } catch (error) {
      this._message =
        error instanceof BridgeError ? error.message : String(error);
    } finally {
      this._running = false;
    }
    this._analyse();
    this._diagnosedAt = Date.now();
    this._changed.emit();
  }

  /**
   * Run an in-kernel check over the agent comm; its result goes into
   * `facts.checks[name]` and the engine runs again.
   */
  async runCheck(name: string, args: JSONObject): Promise<void> {
    this._checksRunning.add(name);
    this._message = null;
    this._changed.emit();
    try {
      const result = await this._bridge.check(name, args);
      this._checks[name] = result;
    } catch (error) {
      this._message =
        error instanceof BridgeError ? error.message : String(error);
    } finally {
      this._checksRunning.delete(name);
    }
    this._analyse();
    this._changed.emit();
  }

  /** Stop following the notebook and remove its warnings. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    clearTimeout(this._timer);
    this._bridge.dispose();
    this._warnings.set(this._owner, new Map());
    Signal.clearData(this);
  }

  /** The facts the engine sees: snapshot, pushed events and checks. */
  facts(): IFacts | undefined {
    const live = this._stalls.length + this._waits.length > 0;
    const checks = Object.keys(this._checks).length > 0;
    if (!this._snapshot && !live && !checks) {
      return undefined;
    }
    const base: IFacts = this._snapshot ?? { schema: FACTS_SCHEMA };
    return {
      ...base,
      stalls: Private.merge(base.stalls, this._stalls),
      waits: Private.merge(base.waits, this._waits),
      checks: { ...(base.checks ?? {}), ...this._checks }
    };
  }

  private _onKernelState(_: KernelBridge, state: IKernelState): void {
    if (
      state.phase === 'restarting' ||
      state.phase === 'no-kernel' ||
      state.phase === 'not-python' ||
      state.phase === 'dead'
    ) {
      // Facts from a process that is gone would mislead.
      this._snapshot = null;
      this._stalls = [];
      this._waits = [];
      this._checks = {};
      this._schedule(0);
    }
    this._changed.emit();
  }

  private _onFacts(_: KernelBridge, facts: IFacts): void {
    this._snapshot = facts;
    this._schedule(0);
  }

  private _onEvent(_: KernelBridge, event: IAgentEvent): void {
    if (event.kind === 'stall') {
      this._stalls = Private.upsert(
        this._stalls,
        event as unknown as IStallFact
      );
      this._schedule(50);
    } else if (event.kind === 'wait') {
      this._waits = Private.upsert(this._waits, event as unknown as IWaitFact);
      this._schedule(50);
    }
    this._changed.emit();
  }

  private _onEdit(): void {
    this._schedule(EDIT_DEBOUNCE_MS);
  }

  /** Run the engine soon, off the typing path. */
  private _schedule(delayMs: number): void {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      const idle = (window as any).requestIdleCallback as
        ((cb: () => void, opts: { timeout: number }) => number) | undefined;
      if (idle && delayMs > 0) {
        idle(() => this._analyse(), { timeout: 1000 });
      } else {
        this._analyse();
      }
    }, delayMs);
  }

  /** Run the engine now and publish the result. */
  private _analyse(): void {
    if (this._isDisposed || this.panel.isDisposed) {
      return;
    }
    const start = performance.now();
    const notebook = this._notebookInput();
    const diagnosis = diagnose({ notebook, facts: this.facts() });
    this._analysisMs = performance.now() - start;
    this._analysisCount += 1;
    if (this.kernelState.phase === 'not-python') {
      diagnosis.notes.unshift(
        'The kernel is not Python: only the notebook text was read.'
      );
    }
    this._diagnosis = diagnosis;
    const ids = notebook ? notebook.cells.map(c => c.id) : [];
    this._warnings.set(
      this._owner,
      warningsFromFindings(diagnosis.findings, ids)
    );
    this._changed.emit();
  }

  private _notebookInput(): INotebookInput | undefined {
    const model = this.panel.content.model;
    if (!model) {
      return undefined;
    }
    try {
      const input = readNotebook(model.toJSON());
      input.language = this.kernelState.language ?? input.language;
      return input;
    } catch {
      return undefined;
    }
  }

  private _bridge: KernelBridge;
  private _warnings: CellWarningsModel;
  private _owner: string;
  private _snapshot: IFacts | null = null;
  private _stalls: IStallFact[] = [];
  private _waits: IWaitFact[] = [];
  private _checks: Record<string, unknown> = {};
  private _diagnosis: IDiagnosis | null = null;
  private _diagnosedAt: number | null = null;
  private _running = false;
  private _message: string | null = null;
  private _checksRunning = new Set<string>();
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _isDisposed = false;
  private _analysisCount = 0;
  private _analysisMs: number | null = null;
  private _changed = new Signal<this, void>(this);
}

/** The statics of `NotebookDoctor`. */
export namespace NotebookDoctor {
  /** Options to create a controller. */
  export interface IOptions {
    panel: NotebookPanel;
    /** The shared cell-warnings model. */
    warnings: CellWarningsModel;
  }
}

namespace Private {
  type Event = { startedAt?: number; cellId?: string | null };

  /** The identity of a stall or wait: when it started, in which cell. */
  function key(event: Event): string {
    return `${event.startedAt ?? ''}|${event.cellId ?? ''}`;
  }

  /** Replace the event with the same identity, or append it. */
  export function upsert<T extends Event>(list: T[], event: T): T[] {
    const copy = { ...event } as T & { kind?: string };
    delete copy.kind;
    const k = key(copy);
    const rest = event.startedAt ? list.filter(e => key(e) !== k) : list;
    return [...rest, copy].slice(-MAX_EVENTS);
  }

  /** The snapshot's events, with the newer pushed copies winning. */
  export function merge<T extends Event>(
    fromSnapshot: T[] | undefined,
    pushed: T[]
  ): T[] {
    const newer = new Set(pushed.map(key));
    const own = (fromSnapshot ?? []).filter(e => !newer.has(key(e)));
    return [...own, ...pushed];
  }
}
