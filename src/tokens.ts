/**
 * Identifiers and shared interfaces of Tinker Doctor's frontend.
 */

/** The plugin id; the settings schema is `schema/plugin.json`. */
export const PLUGIN_ID = 'tinker-doctor:plugin';

/** The id of the triage side panel (also its layout-restorer key). */
export const PANEL_ID = 'tinker-doctor-panel';

/** The comm target the kernel agent registers. */
export const COMM_TARGET = 'tinker-doctor';

/** Command ids. */
export namespace CommandIDs {
  /** Diagnose the current notebook and show the panel. */
  export const diagnose = 'tinker-doctor:diagnose';
  /** Show the triage panel. */
  export const openPanel = 'tinker-doctor:open-panel';
  /** Jump to a cell (args: `cellId`, `line`) of the current notebook. */
  export const jumpToCell = 'tinker-doctor:jump-to-cell';
}

/**
 * What the kernel bridge knows about the notebook's kernel.
 *
 * - `no-kernel`: no session or no kernel (e.g. "No Kernel" chosen);
 * - `starting`: the kernel is starting or connecting;
 * - `restarting`: restarting (the agent is injected again afterwards);
 * - `dead`: the kernel died;
 * - `not-python`: a kernel for another language;
 * - `injecting`: the agent is being installed;
 * - `ready`: the agent is installed and the kernel idle;
 * - `busy`: the agent is installed and a cell is running;
 * - `failed`: the agent could not be installed (see the message).
 */
export type KernelPhase =
  | 'no-kernel'
  | 'starting'
  | 'restarting'
  | 'dead'
  | 'not-python'
  | 'injecting'
  | 'ready'
  | 'busy'
  | 'failed';

/** The kernel state with a message for people. */
export interface IKernelState {
  phase: KernelPhase;
  /** One or two sentences shown in the panel. */
  message: string;
  /** The kernel's display name, when there is a kernel. */
  kernelName?: string;
  /** `language_info.name` once known. */
  language?: string;
  /** Whether the agent's comm is open. */
  commOpen?: boolean;
  /** Whether comm requests are answered while a cell runs (subshells). */
  subshells?: boolean;
  /** Whether a probe waits in the kernel's queue behind a running cell. */
  probeQueued?: boolean;
}

/** An event pushed by the kernel agent's watchdog. */
export interface IAgentEvent {
  kind: 'stall' | 'wait' | 'status' | string;
  [key: string]: unknown;
}

/** The watchdog's latest `status` event, with the time it arrived. */
export interface ILiveStatus {
  /** The event as sent by the agent. */
  event: IAgentEvent;
  /** `Date.now()` when the frontend received it. */
  receivedAt: number;
}
