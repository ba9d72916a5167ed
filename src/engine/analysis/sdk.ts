/**
 * The Tinker SDK vocabulary the loop-shape rules rely on: which methods
 * submit training work, which create clients, which block, and what 0.38
 * deprecates. Read from the installed SDK (tinker 0.38.0,
 * `tinker/lib/public_interfaces/*.py`, `@deprecated` and `@sync_only`).
 */
import { IFacts } from '../facts';
import { compareVersions } from '../pep440';

/** Calls that make one training step: their futures are what TD110 is about. */
export const STEP_METHODS = new Set([
  'forward',
  'forward_backward',
  'forward_backward_custom',
  'optim_step'
]);

/** Calls that publish weights to a sampler (TD111). */
export const SYNC_METHODS = new Set([
  'save_weights_and_get_sampling_client',
  'save_weights_for_sampler'
]);

/** Other training-client calls that return a future. */
export const OTHER_TRAINING_METHODS = new Set([
  'save_state',
  'load_state',
  'load_state_with_optimizer',
  'save_weights_external',
  'create_sampling_client'
]);

/** Sampling-client calls that return a future. */
export const SAMPLE_METHODS = new Set(['sample', 'compute_logprobs']);

/** Service-client calls that create a training client. */
export const TRAINING_CREATORS = new Set([
  'create_lora_training_client',
  'create_training_client_from_state',
  'create_training_client_from_state_with_optimizer'
]);

/** Calls that create a sampling client (service or training client). */
export const SAMPLING_CREATORS = new Set([
  'create_sampling_client',
  'save_weights_and_get_sampling_client'
]);

/** Constructors of clients (`tinker.ServiceClient()`). */
export const CONSTRUCTORS: Record<string, ClientKind> = {
  ServiceClient: 'service',
  RestClient: 'rest'
};

/**
 * `concurrent.futures.Future` methods that 0.38's sampling futures keep only
 * for compatibility (`.future()` gives the real concurrent future).
 */
export const CONCURRENT_METHODS = new Set([
  'add_done_callback',
  'done',
  'cancel',
  'cancelled',
  'running',
  'exception'
]);

/** Methods of a future that do not use it as a client. */
export const FUTURE_METHODS = new Set([
  'result',
  'result_async',
  'future',
  'add_done_callback',
  'done',
  'cancel',
  'cancelled',
  'exception',
  'running'
]);

/**
 * Methods that block before 0.38: creating clients and `get_info` answered
 * only once the server had.
 */
export const SYNC_ONLY_OLD = new Set([
  ...TRAINING_CREATORS,
  'create_sampling_client',
  'save_weights_and_get_sampling_client',
  'get_info',
  'get_server_capabilities'
]);

/** Methods that block in 0.38 (`@sync_only` on a client, not a future). */
export const SYNC_ONLY_NEW = new Set(['get_server_capabilities']);

/** What a name holds, as far as a reader can tell. */
export type ClientKind =
  | 'service'
  | 'training'
  | 'sampling'
  | 'rest'
  | 'training-future'
  | 'sampling-future';

/** `*_async` methods that 0.38 deprecates, without the suffix. */
export const DEPRECATED_ASYNC_BASES = new Set([
  ...STEP_METHODS,
  ...SYNC_METHODS,
  ...OTHER_TRAINING_METHODS,
  ...SAMPLE_METHODS,
  ...TRAINING_CREATORS,
  'get_info',
  'get_base_model',
  'get_server_capabilities',
  'get_training_run',
  'get_training_run_by_tinker_path',
  'list_training_runs',
  'list_checkpoints',
  'get_external_weights_urls',
  'delete_checkpoint',
  'delete_checkpoint_from_tinker_path',
  'publish_checkpoint_from_tinker_path',
  'unpublish_checkpoint_from_tinker_path',
  'set_checkpoint_ttl_from_tinker_path',
  'list_user_checkpoints',
  'get_session',
  'list_sessions',
  'copy_weights',
  'get_sampler'
]);

/** Which SDK semantics the notebook is read with, and why. */
export interface ISdkStyle {
  /** `new`: 0.38 or later; `old`: before 0.38. */
  style: 'new' | 'old';
  /** `facts`: the kernel's version; `code`: inferred; `default`: neither. */
  source: 'facts' | 'code' | 'default';
  /** The installed version, when the facts give it. */
  version: string | null;
}

/** The method name without an `_async` suffix. */
export function baseMethod(method: string): string {
  return method.endsWith('_async') && method !== 'result_async'
    ? method.slice(0, -'_async'.length)
    : method;
}

/** Whether a method name is a deprecated `*_async` form in 0.38. */
export function isDeprecatedAsync(method: string): boolean {
  return (
    method.endsWith('_async') &&
    method !== 'result_async' &&
    DEPRECATED_ASYNC_BASES.has(baseMethod(method))
  );
}

/**
 * Whether a version is 0.38 or later (PEP 440; pre-releases and dev builds
 * of 0.38 count, since they carry its API).
 *
 * @returns null when the string is not a version.
 */
export function isAtLeast038(version: string): boolean | null {
  const order = compareVersions(version, '0.38.0.dev0');
  return order === null ? null : order >= 0;
}

/** The SDK style given by the facts, or null when they do not say. */
export function styleFromFacts(facts?: IFacts): ISdkStyle | null {
  const version = facts?.packages?.tinker;
  if (typeof version !== 'string') {
    return null;
  }
  const atLeast = isAtLeast038(version);
  if (atLeast === null) {
    return null;
  }
  return { style: atLeast ? 'new' : 'old', source: 'facts', version };
}

/** One sentence for evidence: which semantics were assumed and why. */
export function describeStyle(style: ISdkStyle): string {
  switch (style.source) {
    case 'facts':
      return `Read with the semantics of tinker ${style.version} (from the kernel).`;
    case 'code':
      return style.style === 'old'
        ? 'SDK version unknown: pre-0.38 semantics assumed because the ' +
            'notebook uses *_async methods.'
        : 'SDK version unknown: 0.38 semantics assumed because the notebook ' +
            'awaits the plain methods.';
    default:
      return 'SDK version unknown: 0.38 semantics assumed.';
  }
}
