/**
 * The frontend end of the agent's comm (target `tinker-doctor`): opens it,
 * matches answers to requests by `requestId`, and hands pushed watchdog
 * events to a callback. The protocol is described in `agent/README.md`.
 */
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { JSONObject, PromiseDelegate, UUID } from '@lumino/coreutils';
import { IDisposable } from '@lumino/disposable';
import { COMM_TARGET, IAgentEvent } from '../tokens';

/** A message of the agent protocol. */
type AgentMessage = JSONObject & { type?: string; requestId?: string };

/** The comm channel to one kernel's agent. */
export class AgentComm implements IDisposable {
  /**
   * Open the comm. `hello` resolves with the agent's greeting, or rejects
   * when the kernel closes the comm first (no target registered).
   */
  constructor(options: AgentComm.IOptions) {
    this._onEvent = options.onEvent;
    this._onClose = options.onClose;
    this._comm = options.kernel.createComm(COMM_TARGET);
    this._comm.onMsg = msg => this._handle(msg);
    this._comm.onClose = () => this._closed('the kernel closed the comm');
    this._comm.open({ version: options.version }).done.catch(error => {
      this._closed(`the comm could not be opened (${String(error)})`);
    });
    // A kernel without the target answers with comm_close; one that never
    // answers (an old agent, a lost open during a restart) must not leave
    // the channel half open: it closes, and the bridge may open another.
    this._helloTimer = setTimeout(
      () => this._closed('the agent did not greet'),
      options.helloTimeoutMs ?? 10000
    );
    this._hello.promise.catch(() => undefined);
  }

  /** Resolves with the agent's `hello` message. */
  get hello(): Promise<AgentComm.IHello> {
    return this._hello.promise;
  }

  /** Whether the agent has greeted and the comm is still open. */
  get isOpen(): boolean {
    return this._greeted && !this._isDisposed;
  }

  /** Whether requests are answered off the main thread (subshells). */
  get subshell(): boolean {
    return this._subshell;
  }

  /** Whether the channel is closed. */
  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Send a request and wait for the answer with the same `requestId`.
   *
   * @throws Error on timeout or when the comm closes first.
   */
  request(
    type: string,
    fields: JSONObject,
    timeoutMs: number
  ): Promise<AgentMessage> {
    if (this._isDisposed) {
      return Promise.reject(new Error('the comm is closed'));
    }
    const requestId = UUID.uuid4();
    const pending = new PromiseDelegate<AgentMessage>();
    const timer = setTimeout(() => {
      this._pending.delete(requestId);
      pending.reject(new Error(`no answer to ${type} in ${timeoutMs} ms`));
    }, timeoutMs);
    this._pending.set(requestId, { pending, timer });
    this._comm.send({ ...fields, type, requestId });
    return pending.promise;
  }

  /** Close the comm and fail pending requests. */
  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    if (!this._comm.isDisposed) {
      try {
        this._comm.close();
      } catch {
        // The kernel may already be gone: nothing left to close.
      }
    }
    this._closed('the comm was closed');
  }

  private _handle(msg: KernelMessage.ICommMsgMsg): void {
    const data = msg.content.data as AgentMessage;
    switch (data.type) {
      case 'hello':
        this._greeted = true;
        this._subshell = data.subshell === true;
        clearTimeout(this._helloTimer);
        this._hello.resolve({
          version: String(data.version ?? ''),
          subshell: this._subshell
        });
        return;
      case 'event':
        if (data.event && typeof data.event === 'object') {
          this._onEvent(data.event as unknown as IAgentEvent);
        }
        return;
      default: {
        const entry = this._pending.get(String(data.requestId ?? ''));
        if (entry) {
          clearTimeout(entry.timer);
          this._pending.delete(String(data.requestId));
          if (data.type === 'error') {
            entry.pending.reject(new Error(String(data.error ?? 'error')));
          } else {
            entry.pending.resolve(data);
          }
        }
      }
    }
  }

  private _closed(reason: string): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    clearTimeout(this._helloTimer);
    this._hello.reject(new Error(reason));
    for (const { pending, timer } of this._pending.values()) {
      clearTimeout(timer);
      pending.reject(new Error(reason));
    }
    this._pending.clear();
    this._onClose(reason);
  }

  private _comm: Kernel.IComm;
  private _onEvent: (event: IAgentEvent) => void;
  private _onClose: (reason: string) => void;
  private _hello = new PromiseDelegate<AgentComm.IHello>();
  private _helloTimer: ReturnType<typeof setTimeout>;
  private _greeted = false;
  private _subshell = false;
  private _isDisposed = false;
  private _pending = new Map<
    string,
    {
      pending: PromiseDelegate<AgentMessage>;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
}

/** The statics of `AgentComm`. */
export namespace AgentComm {
  /** Options to open the channel. */
  export interface IOptions {
    kernel: Kernel.IKernelConnection;
    /** The agent version the frontend carries. */
    version: string;
    /** Called for each pushed watchdog event. */
    onEvent: (event: IAgentEvent) => void;
    /** Called once when the channel closes, with the reason. */
    onClose: (reason: string) => void;
    helloTimeoutMs?: number;
  }

  /** The agent's greeting. */
  export interface IHello {
    version: string;
    /** Whether comm messages are handled off the main thread. */
    subshell: boolean;
  }
}
