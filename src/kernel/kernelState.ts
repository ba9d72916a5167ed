/**
 * The kernel state the panel shows, with its message for people, from what
 * the kernel bridge knows about the session, the kernel and the agent.
 */
import { Kernel } from '@jupyterlab/services';
import { IKernelState, KernelPhase } from '../tokens';

/** What `describeKernel` needs to know. */
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
export function describeKernel(input: IDescribeInput): IKernelState {
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
