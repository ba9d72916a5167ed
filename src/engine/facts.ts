/**
 * The shape of what the kernel agent reports: `tinker-doctor/facts@1`.
 *
 * This mirrors `shared/facts.schema.json`; every field is optional except the
 * schema tag, because facts come from many SDK versions and from saved files.
 */

/** The schema tag every facts object carries. */
export const FACTS_SCHEMA = 'tinker-doctor/facts@1';

/** One stack frame, innermost frame last. */
export interface IFrame {
  file?: string;
  line?: number;
  function?: string;
  cellId?: string | null;
  cellIndex?: number | null;
}

/** A thread of the kernel process. */
export interface IThreadFact {
  name: string;
  ident?: number;
  daemon?: boolean;
  role: 'main' | 'sdk' | 'other';
  state?: 'running' | 'waiting' | 'unknown';
  stack?: IFrame[];
}

/** A task pending on the SDK's event loop. */
export interface IPendingTask {
  coroutine?: string;
  name?: string;
  ageS?: number | null;
  stack?: IFrame[];
}

/** The state of the SDK's background thread and loop. */
export interface ISdkFact {
  imported?: boolean;
  threadAlive?: boolean;
  loopRunning?: boolean;
  loopLagMs?: number;
  lastHeartbeatAgeS?: number | null;
  baseUrlIsDefault?: boolean;
  pendingTasks?: IPendingTask[];
  [key: string]: unknown;
}

/** A Tinker client found in the user's namespace. */
export interface IClientFact {
  kind?: 'ServiceClient' | 'TrainingClient' | 'SamplingClient' | 'RestClient';
  variable?: string;
  baseModel?: string | null;
  sessionId?: string | null;
  createdInCellId?: string | null;
}

/** A GIL hold seen by the watchdog. */
export interface IStallFact {
  startedAt?: number;
  durationMs: number;
  mainCpuMs?: number;
  ongoing?: boolean;
  cellId?: string | null;
  cellIndex?: number | null;
  line?: number | null;
  sdkPending?: number;
  /** Whether the SDK's thread was running during the hold. */
  sdkThread?: boolean;
  stack?: IFrame[];
  [key: string]: unknown;
}

/** A long wait of the main thread on a Tinker future. */
export interface IWaitFact {
  cellId?: string | null;
  cellIndex?: number | null;
  line?: number | null;
  durationMs?: number;
  mainIdle?: boolean;
  sdkLoopHealthy?: boolean;
  [key: string]: unknown;
}

/** A recent cell execution seen by the agent. */
export interface ICellRunFact {
  cellId?: string | null;
  cellIndex?: number | null;
  startedAt?: number;
  durationMs?: number;
  [key: string]: unknown;
}

/** The optional training-client creation of the smoke test. */
export interface ISmokeCreation {
  attempted?: boolean;
  ok?: boolean;
  seconds?: number;
  timedOut?: boolean;
  error?: string | null;
}

/** The result of the in-kernel smoke test. */
export interface ISmokeCheck {
  reachable?: boolean;
  roundTripMs?: number | null;
  models?: number | null;
  /** Exception type and message. */
  error?: string | null;
  /** The base URL that was tested, without credentials. */
  baseUrl?: string;
  baseUrlIsDefault?: boolean;
  creation?: ISmokeCreation | null;
  [key: string]: unknown;
}

/** The result of the in-kernel renderer comparison. */
export interface IRendererCheck {
  model?: string;
  renderer?: string;
  recommended?: string[];
  rendererTokens?: number[];
  templateTokens?: number[];
  decoded?: Record<string, string>;
  [key: string]: unknown;
}

/** Everything the kernel agent reports. Fields may be added. */
export interface IFacts {
  schema: string;
  python?: { version?: string; executable?: string; switchInterval?: number };
  packages?: Record<string, string | null>;
  requirements?: Record<string, string[]>;
  env?: Record<string, string>;
  modelsInUse?: string[];
  threads?: IThreadFact[];
  sdk?: ISdkFact;
  clients?: IClientFact[];
  stalls?: IStallFact[];
  waits?: IWaitFact[];
  checks?: {
    smoke?: ISmokeCheck;
    renderer?: IRendererCheck;
    [key: string]: unknown;
  };
  cellRuns?: ICellRunFact[];
  [key: string]: unknown;
}
