/**
 * The kernel bridge: follows one notebook's session and kernel, installs the
 * kernel agent with one silent execution, keeps the agent's comm open, and
 * asks for facts and checks. It never prints into a cell: a silent request's
 * output has no output area to go to.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { IFacts } from '../engine/facts';
import { IAgentEvent, IKernelState, ILiveStatus, KernelPhase } from '../tokens';
import { AgentComm } from './agentComm';
import { AGENT_INSTALL_CODE, AGENT_VERSION } from './agentSource.generated';

/** The expression that returns the agent's facts as application/json. */
export const SNAPSHOT_EXPRESSION =
  "__import__('sys').modules['_tinker_doctor'].snapshot()";

/** How long a kernel with subshells gets to answer before "queued". */
const SUBSHELL_ANSWER_MS = 2000;

/** How long a queued comm request may wait for the running cell (a day). */
const QUEUED_ANSWER_MS = 24 * 3600 * 1000;

/** Follows a notebook's kernel and talks to the agent inside it. */
export class KernelBridge implements IDisposable {
  /** Follow `sessionContext` from now on. */
  constructor(sessionContext: ISessionContext) {
    this._session = sessionContext;
    sessionContext.kernelChanged.connect(this._onKernelChanged, this);
    sessionContext.statusChanged.connect(this._onStatus, this);
    void sessionContext.ready.then(() => {
      if (!this._isDisposed) {
        void this._attach(sessionContext.session?.kernel ?? null);
      }
    });
    this._update();
  }

  /** The current kernel state. */
  get state(): IKernelState {
    return this._state;
  }

  /** Emitted when the kernel state changes. */
  get stateChanged(): ISignal<this, IKernelState> {
    return this._stateChanged;
  }

  /** Emitted for each event the agent pushes (stall, wait, status). */
  get eventReceived(): ISignal<this, IAgentEvent> {
    return this._eventReceived;
  }

  /** Emitted with the facts of every successful probe. */
  get factsReceived(): ISignal<this, IFacts> {
    return this._factsReceived;
  }

  /** The latest `status` event pushed while a cell ran, if any. */
  get latestStatus(): ILiveStatus | null {
    return this._latestStatus;
  }

  /** Whether the bridge is disposed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Get fresh facts from the kernel.
   *
   * A busy kernel is asked over the comm when the agent handles comm
   * messages off the main thread (subshells); otherwise the silent execution
   * waits in the kernel's queue behind the running cell, and `onQueued` is
   * called first so the caller can say so.
   *
   * @throws BridgeError with a message for people when no facts can be had.
   */
  async snapshot(onQueued?: () => void): Promise<IFacts> {
    if (!this._session.isReady && !this._session.hasNoKernel) {
      // The session may still be starting its kernel.
      await Private.within(this._session.ready, 60000);
      await this._attach(this._session.session?.kernel ?? null);
    }
    const kernel = this._kernel;
    if (kernel && this._language === undefined) {
      await Private.within(this._readLanguage(kernel), 60000);
    }
    if (!kernel || !this._canProbe()) {
      throw new BridgeError(this._state.message);
    }
    if (kernel.status === 'busy' && this._comm?.isOpen) {
      const facts = await this._snapshotOverComm(this._comm, onQueued);
      if (facts) {
        return facts;
      }
    }
    if (kernel.status === 'busy') {
      onQueued?.();
    }
    return this._inject(kernel);
  }

  /**
   * Ask a busy kernel for facts over the comm. With subshells the answer
   * comes while the cell runs; when it has not come after a moment (no
   * subshells, or a kernel that still serializes comm messages behind the
   * cell) the request is said to be queued and is awaited until the cell
   * ends. Returns null when the comm closes first.
   */
  private async _snapshotOverComm(
    comm: AgentComm,
    onQueued?: () => void
  ): Promise<IFacts | null> {
    let queued = false;
    const timer = setTimeout(
      () => {
        queued = true;
        this._queued += 1;
        this._update();
        onQueued?.();
      },
      this._subshells() ? SUBSHELL_ANSWER_MS : 0
    );
    try {
      const answer = await comm.request('snapshot', {}, QUEUED_ANSWER_MS);
      if (!Private.isFacts(answer.facts)) {
        return null;
      }
      if (comm === this._comm) {
        this._factsReceived.emit(answer.facts);
      }
      return answer.facts;
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
      if (queued) {
        this._queued -= 1;
        this._update();
      }
    }
  }

  /**
   * Run an in-kernel check (`smoke`, `renderer`, …) over the comm.
   *
   * @throws BridgeError when there is no agent comm or no answer in time.
   */
  async check(
    name: string,
    args: JSONObject,
    timeoutMs = 30000
  ): Promise<unknown> {
    if (!this._comm?.isOpen) {
      throw new BridgeError(
        'The kernel agent is not connected; run Diagnose first, with a ' +
          'Python kernel that is not restarting.'
      );
    }
    try {
      const answer = await this._comm.request(
        'check',
        { check: name, args },
        timeoutMs
      );
      return answer.result;
    } catch (error) {
      throw new BridgeError(`The ${name} check failed: ${String(error)}`);
    }
  }

  /** Stop following the session and close the comm. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._closeComm();
    Signal.clearData(this);
  }

  /**
   * Whether comm requests are answered while a cell runs: the kernel has
   * subshells (JupyterLab then sends comm messages over one), or the agent
   * saw its comm opened off the main thread.
   */
  private _subshells(): boolean {
    if (!this._comm?.isOpen) {
      return false;
    }
    return !!this._kernel?.supportsSubshells || this._comm.subshell;
  }

  private _canProbe(): boolean {
    const phase = this._state.phase;
    return phase !== 'not-python' && phase !== 'dead' && phase !== 'no-kernel';
  }

  private _onKernelChanged(
    _: ISessionContext,
    args: { newValue: Kernel.IKernelConnection | null }
  ): void {
    void this._attach(args.newValue);
  }

  private async _attach(
    kernel: Kernel.IKernelConnection | null
  ): Promise<void> {
    if (kernel === this._kernel && kernel !== null) {
      return;
    }
    this._closeComm();
    this._kernel = kernel;
    this._generation += 1;
    this._injecting = 0;
    this._queued = 0;
    this._restartPending = false;
    this._language = undefined;
    this._installed = false;
    this._installError = null;
    this._latestStatus = null;
    this._update();
    if (!kernel) {
      return;
    }
    await this._readLanguage(kernel);
    if (
      kernel === this._kernel &&
      this._isPython() &&
      kernel.status === 'idle' &&
      !this._injecting
    ) {
      void this._inject(kernel).catch(() => undefined);
    }
  }

  private async _readLanguage(kernel: Kernel.IKernelConnection): Promise<void> {
    try {
      const info = await kernel.info;
      if (kernel === this._kernel) {
        this._language = info.language_info?.name ?? 'unknown';
      }
    } catch {
      // A kernel that never answers kernel_info is shown as starting.
    }
    this._update();
  }

  private _onStatus(_: ISessionContext, status: Kernel.Status): void {
    const kernel = this._kernel;
    if (status === 'restarting' || status === 'autorestarting') {
      // The agent dies with the process: inject again when the new process
      // is idle. The old process still reports busy/idle while it shuts
      // down, and a request sent then is lost: wait for 'starting'.
      this._closeComm();
      this._installed = false;
      this._installError = null;
      this._latestStatus = null;
      this._restartPending = true;
      this._generation += 1;
      this._injecting = 0;
      this._queued = 0;
    } else if (status === 'starting' && this._restartPending && kernel) {
      // The new process is up. Its first answer to kernel_info says it
      // handles requests; the reported status may stay 'starting' until
      // someone asks, so ask, then install the agent.
      this._restartPending = false;
      const generation = this._generation;
      void kernel
        .requestKernelInfo()
        .then(() => {
          if (
            generation === this._generation &&
            kernel === this._kernel &&
            this._isPython() &&
            !this._installed &&
            !this._injecting
          ) {
            return this._inject(kernel);
          }
        })
        .catch(() => undefined);
    }
    if (
      status === 'idle' &&
      !this._restartPending &&
      kernel &&
      this._isPython() &&
      !this._installed &&
      !this._installError &&
      !this._injecting
    ) {
      void this._inject(kernel).catch(() => undefined);
    }
    this._update();
  }

  private _isPython(): boolean {
    return (this._language ?? '').toLowerCase() === 'python';
  }

  /** Install (or keep) the agent and read its snapshot in one execution. */
  private async _inject(kernel: Kernel.IKernelConnection): Promise<IFacts> {
    const queued = kernel.status === 'busy';
    const generation = this._generation;
    this._injecting += 1;
    this._queued += queued ? 1 : 0;
    this._update();
    try {
      const content: KernelMessage.IExecuteRequestMsg['content'] = {
        code: AGENT_INSTALL_CODE,
        silent: true,
        store_history: false,
        allow_stdin: false,
        stop_on_error: false,
        user_expressions: { facts: SNAPSHOT_EXPRESSION }
      };
      const future = kernel.requestExecute(content, true);
      const reply = (await future.done) as KernelMessage.IExecuteReplyMsg;
      const facts = Private.readFacts(reply.content);
      this._installed = true;
      this._installError = null;
      if (kernel === this._kernel) {
        if (!this._comm) {
          this._openComm(kernel);
        }
        this._factsReceived.emit(facts);
      }
      return facts;
    } catch (error) {
      const message =
        error instanceof BridgeError
          ? error.message
          : `The probe did not complete: ${String(error)}`;
      if (kernel === this._kernel && kernel.status !== 'restarting') {
        this._installError = message;
      }
      throw new BridgeError(message);
    } finally {
      if (generation === this._generation) {
        this._injecting -= 1;
        this._queued -= queued ? 1 : 0;
      }
      this._update();
    }
  }

  private _openComm(kernel: Kernel.IKernelConnection): void {
    const comm = new AgentComm({
      kernel,
      version: AGENT_VERSION,
      onEvent: event => this._onEvent(event),
      onClose: () => {
        if (this._comm === comm) {
          this._comm = null;
          this._update();
        }
      }
    });
    this._comm = comm;
    comm.hello.then(
      () => this._update(),
      () => undefined
    );
  }

  private _closeComm(): void {
    const comm = this._comm;
    this._comm = null;
    comm?.dispose();
  }

  private _onEvent(event: IAgentEvent): void {
    if (event.kind === 'status') {
      this._latestStatus = { event, receivedAt: Date.now() };
    }
    this._eventReceived.emit(event);
  }

  private _update(): void {
    const state = Private.describe({
      kernel: this._kernel,
      displayName: this._session.kernelDisplayName,
      sessionReady: this._session.isReady,
      noKernel: this._session.hasNoKernel,
      language: this._language,
      injecting: this._injecting > 0,
      queued: this._queued > 0,
      installed: this._installed,
      installError: this._installError,
      commOpen: this._comm?.isOpen ?? false,
      subshells: this._subshells()
    });
    const old = this._state;
    if (
      old.phase !== state.phase ||
      old.message !== state.message ||
      old.commOpen !== state.commOpen ||
      old.probeQueued !== state.probeQueued ||
      old.subshells !== state.subshells ||
      old.language !== state.language
    ) {
      this._state = state;
      this._stateChanged.emit(state);
    }
  }

  private _session: ISessionContext;
  private _kernel: Kernel.IKernelConnection | null = null;
  private _language: string | undefined;
  private _installed = false;
  private _installError: string | null = null;
  private _injecting = 0;
  private _queued = 0;
  private _restartPending = false;
  private _generation = 0;
  private _comm: AgentComm | null = null;
  private _latestStatus: ILiveStatus | null = null;
  private _isDisposed = false;
  private _state: IKernelState = {
    phase: 'no-kernel',
    message: 'This notebook has no kernel.'
  };
  private _stateChanged = new Signal<this, IKernelState>(this);
  private _eventReceived = new Signal<this, IAgentEvent>(this);
  private _factsReceived = new Signal<this, IFacts>(this);
}

/** A failure of the bridge, with a message meant for people. */
export class BridgeError extends Error {}

namespace Private {
  /** What `describe` needs to know. */
  export interface IDescribeInput {
    kernel: Kernel.IKernelConnection | null;
    displayName: string;
    sessionReady: boolean;
    /** The user chose "No Kernel". */
    noKernel: boolean;
    language: string | undefined;
    injecting: boolean;
    queued: boolean;
    installed: boolean;
    installError: string | null;
    commOpen: boolean;
    subshells: boolean;
  }

  /** The kernel state and its message, from what the bridge knows. */
  export function describe(input: IDescribeInput): IKernelState {
    const { kernel, language } = input;
    const base = {
      kernelName: input.displayName,
      language,
      commOpen: input.commOpen,
      subshells: input.subshells
    };
    const state = (phase: KernelPhase, message: string): IKernelState => ({
      ...base,
      probeQueued: input.queued,
      phase,
      message
    });
    if (!kernel && !input.sessionReady && !input.noKernel) {
      return state('starting', 'The kernel is starting.');
    }
    if (!kernel) {
      return state(
        'no-kernel',
        'This notebook has no kernel. Select a Python kernel to check the ' +
          'environment; the notebook itself is still read.'
      );
    }
    const status = kernel.status;
    if (status === 'dead') {
      return state(
        'dead',
        'The kernel is dead. Restart it (Kernel > Restart Kernel) and ' +
          'diagnose again.'
      );
    }
    if (status === 'restarting' || status === 'autorestarting') {
      return state(
        'restarting',
        'The kernel is restarting; the probe is installed again when it is up.'
      );
    }
    if (language === undefined || status === 'starting') {
      return state('starting', 'The kernel is starting.');
    }
    if (language.toLowerCase() !== 'python') {
      return state(
        'not-python',
        `This is a ${language} kernel. Tinker Doctor looks inside Python ` +
          'kernels only; the notebook itself is still read.'
      );
    }
    if (input.queued) {
      return state(
        'busy',
        'The probe is queued behind the running cell; the result will show ' +
          'when the cell finishes.'
      );
    }
    if (input.installError) {
      return state('failed', input.installError);
    }
    if (input.injecting && !input.installed) {
      return state('injecting', 'Installing the probe in the kernel.');
    }
    if (status === 'busy') {
      return state(
        'busy',
        input.commOpen
          ? 'A cell is running; the watchdog reports what the kernel is doing.'
          : 'A cell is running.'
      );
    }
    return state(
      'ready',
      input.commOpen
        ? 'Connected to the kernel; the watchdog is on.'
        : 'Connected to the kernel (probe only: no agent comm).'
    );
  }

  /** Read the facts from the reply's user expression. */
  export function readFacts(
    reply: KernelMessage.IExecuteReplyMsg['content']
  ): IFacts {
    if (reply.status !== 'ok') {
      const error = reply as KernelMessage.IReplyErrorContent;
      throw new BridgeError(
        `The probe failed in the kernel: ${error.ename ?? 'error'}: ` +
          `${error.evalue ?? ''}`
      );
    }
    const expression = (reply.user_expressions ?? {})['facts'] as
      JSONObject | undefined;
    if (!expression) {
      throw new BridgeError('The kernel returned no facts.');
    }
    if (expression.status !== 'ok') {
      throw new BridgeError(
        `The probe failed in the kernel: ${String(expression.ename)}: ` +
          `${String(expression.evalue)}`
      );
    }
    const data = (expression.data ?? {}) as JSONObject;
    const facts = data['application/json'];
    if (!isFacts(facts)) {
      throw new BridgeError(
        'The kernel returned facts in an unknown shape (no ' +
          'application/json with a schema tag).'
      );
    }
    return facts;
  }

  /** Wait for `promise`, but no longer than `ms` (then carry on). */
  export async function within<T>(
    promise: Promise<T>,
    ms: number
  ): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      promise.then(
        () => undefined,
        () => undefined
      ),
      new Promise<void>(resolve => {
        timer = setTimeout(resolve, ms);
      })
    ]);
    clearTimeout(timer);
  }

  /** Whether a value looks like a facts object. */
  export function isFacts(value: unknown): value is IFacts {
    return (
      !!value &&
      typeof value === 'object' &&
      typeof (value as IFacts).schema === 'string'
    );
  }
}
