/**
 * The kernel bridge: follows one notebook's session and kernel, installs the
 * kernel agent with one silent execution, keeps the agent's comm open, and
 * asks for facts and checks. It never prints into a cell: a silent request's
 * output has no output area to go to.
 */
import { ISessionContext } from '@jupyterlab/apputils';
import {
  CommsOverSubshells,
  Kernel,
  KernelMessage
} from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';
import { IFacts } from '../engine/facts';
import { IAgentEvent, IKernelState, ILiveStatus } from '../tokens';
import { AgentComm } from './agentComm';
import { describeKernel } from './kernelState';
import { BridgeError, isFacts, readFacts, within } from './probeReply';
import { AGENT_INSTALL_CODE, AGENT_VERSION } from './agentSource.generated';

/** The expression that returns the agent's facts as application/json. */
export const SNAPSHOT_EXPRESSION =
  "__import__('sys').modules['_tinker_doctor'].snapshot()";

/** How many times in a row to try opening the agent's comm. */
const MAX_COMM_ATTEMPTS = 3;

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
    sessionContext.connectionStatusChanged.connect(this._onConnection, this);
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
      await within(this._session.ready, 60000);
      await this._attach(this._session.session?.kernel ?? null);
    }
    const kernel = this._kernel;
    if (kernel && this._language === undefined) {
      await within(this._readLanguage(kernel), 60000);
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
      if (!isFacts(answer.facts)) {
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
    this._commAttempts = 0;
    this._autorestarted = false;
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
      // down, and a request sent then is lost: wait for 'starting' or for
      // the new connection, whichever comes first.
      this._closeComm();
      this._installed = false;
      this._installError = null;
      this._latestStatus = null;
      this._restartPending = true;
      this._autorestarted ||= status === 'autorestarting';
      this._commAttempts = 0;
      this._generation += 1;
      this._injecting = 0;
      this._queued = 0;
    } else if (status === 'starting' && this._restartPending && kernel) {
      this._reinstall(kernel);
    }
    if (
      status === 'idle' &&
      kernel &&
      this._installed &&
      !this._comm &&
      this._commAttempts < MAX_COMM_ATTEMPTS
    ) {
      // The agent is in but its comm closed or never greeted: try again.
      this._openComm(kernel);
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

  private _onConnection(
    _: ISessionContext,
    status: Kernel.ConnectionStatus
  ): void {
    // After an automatic restart the connection reopens, and the new
    // process may have said 'starting' before it did: everything heard on
    // the new connection comes from the new process, so install now.
    const kernel = this._kernel;
    if (status === 'connected' && this._restartPending && kernel) {
      this._reinstall(kernel);
    }
  }

  /**
   * Install the agent in the process that replaced a restarted one. Its
   * first answer to kernel_info says it handles requests (its reported
   * status may stay 'starting' until someone asks).
   */
  private _reinstall(kernel: Kernel.IKernelConnection): void {
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
      const facts = readFacts(reply.content);
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
    this._commAttempts += 1;
    if (this._autorestarted) {
      // JupyterLab keeps the per-comm-target subshell of the dead process
      // after an automatic restart (it forgets it only on 'restarting'), so
      // comm messages would go to a subshell that no longer exists. Comms
      // of this kernel then use the main shell, as before JupyterLab 4.4.
      kernel.commsOverSubshells = CommsOverSubshells.Disabled;
    }
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
      () => {
        this._commAttempts = 0;
        this._update();
      },
      () => {
        // No greeting (for example a comm sent to a subshell of a process
        // that died): an idle kernel may send no further status change to
        // retry on, so try again now.
        if (
          !this._comm &&
          kernel === this._kernel &&
          kernel.status === 'idle' &&
          this._installed &&
          this._commAttempts < MAX_COMM_ATTEMPTS
        ) {
          this._openComm(kernel);
        }
      }
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
    const state = describeKernel({
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
  private _commAttempts = 0;
  private _autorestarted = false;
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

export { BridgeError };
