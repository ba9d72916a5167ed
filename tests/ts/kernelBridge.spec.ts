/**
 * The kernel bridge re-installs the agent after a restart, whatever order
 * the new process's first messages arrive in. The session and kernel are
 * small fakes that emit statuses the way @jupyterlab/services does.
 */
import { Signal } from '@lumino/signaling';
import { KernelBridge } from '../../src/kernel/bridge';

/** A kernel connection that answers executes with facts from a counter. */
class FakeKernel {
  id = 'k1';
  status = 'idle';
  connectionStatus = 'connected';
  supportsSubshells = false;
  commsOverSubshells = 'perCommTarget';
  subshellId = null;
  executes = 0;
  info = Promise.resolve({ language_info: { name: 'python' } });

  requestKernelInfo(): Promise<unknown> {
    return this.info;
  }

  requestExecute(): { done: Promise<unknown> } {
    this.executes += 1;
    const reply = {
      content: {
        status: 'ok',
        user_expressions: {
          facts: {
            status: 'ok',
            data: {
              'application/json': {
                schema: 'tinker-doctor/facts@1',
                probe: this.executes
              }
            }
          }
        }
      }
    };
    return { done: Promise.resolve(reply) };
  }

  createComm(): unknown {
    return {
      isDisposed: false,
      open: () => ({ done: new Promise(() => undefined) }),
      send: () => undefined,
      close: () => undefined
    };
  }
}

/** The part of ISessionContext the bridge uses. */
class FakeSession {
  constructor(readonly kernel: FakeKernel) {}
  kernelChanged = new Signal<this, unknown>(this);
  statusChanged = new Signal<this, string>(this);
  connectionStatusChanged = new Signal<this, string>(this);
  isReady = true;
  hasNoKernel = false;
  kernelDisplayName = 'Python 3';
  get session(): unknown {
    return { kernel: this.kernel };
  }
  ready = Promise.resolve();

  status(value: string): void {
    this.kernel.status = value;
    this.statusChanged.emit(value);
  }

  connection(value: string): void {
    this.kernel.connectionStatus = value;
    this.connectionStatusChanged.emit(value);
  }
}

const settle = () => new Promise(resolve => setTimeout(resolve, 0));

async function attachedBridge(): Promise<{
  session: FakeSession;
  kernel: FakeKernel;
  bridge: KernelBridge;
}> {
  const kernel = new FakeKernel();
  const session = new FakeSession(kernel);
  const bridge = new KernelBridge(session as any);
  await settle();
  await settle();
  return { session, kernel, bridge };
}

describe('KernelBridge after a kernel restart', () => {
  it('installs the agent once when the kernel is first seen idle', async () => {
    const { kernel, bridge } = await attachedBridge();
    expect(kernel.executes).toBe(1);
    bridge.dispose();
  });

  it('re-installs when the new connection opens before any starting status', async () => {
    const { session, kernel, bridge } = await attachedBridge();
    session.status('restarting');
    session.status('autorestarting');
    session.connection('connecting');
    // The old process's last statuses must not trigger an install.
    session.status('busy');
    session.status('idle');
    expect(kernel.executes).toBe(1);
    // The new process said 'starting' before the socket reopened: the
    // first thing heard is the connection, then busy/idle.
    session.connection('connected');
    session.status('busy');
    session.status('idle');
    await settle();
    await settle();
    expect(kernel.executes).toBe(2);
    expect(bridge.state.phase).not.toBe('starting');
    bridge.dispose();
  });

  it('re-installs once when both starting and the connection are seen', async () => {
    const { session, kernel, bridge } = await attachedBridge();
    session.status('restarting');
    session.connection('connecting');
    session.connection('connected');
    session.status('starting');
    session.status('idle');
    await settle();
    await settle();
    expect(kernel.executes).toBe(2);
    bridge.dispose();
  });
});
