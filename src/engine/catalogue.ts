/**
 * The catalogue of findings (TRIAGE.md): for each code its triage path, the
 * step of that path, the default severity, a title and the fix. Rules add the
 * evidence and may sharpen the title, severity or fix for the case at hand.
 */
import { IFinding, Severity, TriagePath } from './types';

/** One catalogue row. */
export interface ICatalogueEntry {
  path: TriagePath;
  step: string;
  severity: Severity;
  title: string;
  fix: string;
}

/** The steps of each triage path, in the order the panel shows them. */
export const STEPS: ReadonlyArray<{
  path: TriagePath;
  id: string;
  label: string;
}> = [
  { path: 'performance', id: 'environment', label: 'Environment and versions' },
  { path: 'performance', id: 'loop-shape', label: 'Training-loop shape' },
  { path: 'performance', id: 'live', label: 'GIL and SDK thread (live)' },
  { path: 'performance', id: 'timing', label: 'Step timing' },
  { path: 'output-correctness', id: 'merge-code', label: 'Merge code review' },
  {
    path: 'output-correctness',
    id: 'merge-verify',
    label: 'Merge verification'
  },
  { path: 'output-correctness', id: 'compare', label: 'Output comparison' },
  { path: 'service', id: 'smoke', label: 'Smoke test' },
  { path: 'service', id: 'status', label: 'Service errors and logs' },
  { path: 'renderer', id: 'config', label: 'Renderer choice' },
  { path: 'renderer', id: 'tokens', label: 'Renderer tokens' },
  { path: 'errors', id: 'decode', label: 'Errors decoded' }
];

/** The triage paths with their labels, in panel order. */
export const PATHS: ReadonlyArray<{ id: TriagePath; label: string }> = [
  { id: 'performance', label: 'Performance' },
  { id: 'output-correctness', label: 'Output correctness' },
  { id: 'service', label: 'Service availability' },
  { id: 'renderer', label: 'Renderer' },
  { id: 'errors', label: 'Error decoder' }
];

const perf = (
  step: string,
  severity: Severity,
  title: string,
  fix: string
): ICatalogueEntry => ({ path: 'performance', step, severity, title, fix });

const on = (
  path: TriagePath,
  step: string,
  severity: Severity,
  title: string,
  fix: string
): ICatalogueEntry => ({ path, step, severity, title, fix });

/** Every code the product may emit. */
export const CATALOGUE: Readonly<Record<string, ICatalogueEntry>> = {
  TD100: perf(
    'environment',
    'error',
    'tinker is not importable in this kernel',
    "Install it into this kernel's interpreter (%pip install tinker) or " +
      'switch to the kernel whose environment has it.'
  ),
  TD101: perf(
    'environment',
    'error',
    'pydantic 2.13 pre-release: known serialization regression',
    'Pin pydantic<2.13 or install a stable release ' +
      '(pip install "pydantic<2.13" or the latest stable).'
  ),
  TD102: perf(
    'environment',
    'warning',
    'Pre-release or dev build of a core dependency',
    'Pre-releases of core dependencies are the usual cause of mysterious ' +
      'slowdowns: try the latest stable release first.'
  ),
  TD103: perf(
    'environment',
    'warning',
    'transformers 5.3.0: DeepSeek V2/V3 tokenizer regression',
    'Upgrade transformers to 5.3.1 or later.'
  ),
  TD104: perf(
    'environment',
    'warning',
    'transformers < 5.0 with a vision-language model',
    'The Qwen2-VL image processor miscounts image tokens before 5.0: ' +
      'upgrade transformers to 5.0 or later.'
  ),
  TD105: perf(
    'environment',
    'warning',
    'Installed package violates a declared requirement',
    'Install a version that satisfies the declared specifier.'
  ),
  TD106: perf(
    'environment',
    'warning',
    'tinker SDK is older than required or than the newest known',
    'pip install --upgrade tinker'
  ),
  TD107: perf(
    'loop-shape',
    'info',
    'Deprecated SDK API for the installed version',
    'Use the replacement named for the installed SDK.'
  ),
  TD110: perf(
    'loop-shape',
    'warning',
    'Training future waited on before the next submission',
    'Submit forward_backward and optim_step, prepare the next batch, then ' +
      "wait — or use the cookbook's training loops."
  ),
  TD111: perf(
    'loop-shape',
    'warning',
    'Weights synced for every prompt or sample',
    'Sync once per step (save_weights_and_get_sampling_client outside the ' +
      'inner loop) and reuse the sampling client.'
  ),
  TD112: perf(
    'loop-shape',
    'warning',
    'Training futures never waited on',
    'Requests pile up on the server; wait once per step or bound the number ' +
      'of requests in flight.'
  ),
  TD113: perf(
    'loop-shape',
    'warning',
    'Blocking Tinker call inside async code',
    "It blocks the kernel's event loop and the SDK's own warning is hidden " +
      'in Jupyter: use the awaitable form.'
  ),
  TD114: perf(
    'loop-shape',
    'error',
    'Blocking Tinker call on the SDK thread',
    'The SDK thread waits for itself (deadlock, or RuntimeError from the ' +
      'event loop thread): hand the work back to the main thread.'
  ),
  TD115: perf(
    'loop-shape',
    'warning',
    'Client-creating cell ran more than once: several live sessions',
    'Both sessions heartbeat and count against concurrency limits: create ' +
      'the client once and reuse it.'
  ),
  TD120: perf(
    'live',
    'warning',
    "Main thread held the GIL and starved the SDK's thread",
    'Move the work out of the hot loop, batch it, run it in a process ' +
      'pool, or use TINKER_SUBPROCESS_SAMPLING=1 for sampling-heavy RL.'
  ),
  TD121: perf(
    'live',
    'error',
    'SDK heartbeats missed: session at risk of expiry',
    'Same fixes as for GIL contention (TD120); read the last exception of ' +
      'the heartbeat warning to tell network, starvation and expiry apart.'
  ),
  TD122: perf(
    'live',
    'warning',
    'SDK thread busy with its own work',
    'The SDK loop is blocked by its own work (often serialization); with a ' +
      'pre-release pydantic this is TD101.'
  ),
  TD123: perf(
    'live',
    'info',
    'Waiting on the server: client idle, SDK loop healthy',
    'The client is fine; the server has not finished. Look for "paused" ' +
      'messages, run the smoke test, escalate with the session id.'
  ),
  TD124: perf(
    'live',
    'error',
    'Tinker clients exist but the SDK thread or loop is gone',
    'Futures will never resolve: restart the kernel and recreate the clients.'
  ),
  TD125: perf(
    'live',
    'warning',
    'Many short GIL holds add up to starvation',
    'Batch the work (typically per-item tokenization or numpy on small ' +
      'arrays) instead of calling it item by item.'
  ),
  TD130: perf(
    'timing',
    'info',
    'Slow first step(s): warm-up (normal)',
    'No action: the first steps include warm-up (compilation, caches, the ' +
      'first requests).'
  ),
  TD131: perf(
    'timing',
    'warning',
    'Step time far above the traced spans: untraced gaps',
    'Missing pipelining or client work outside the spans: open the timeline ' +
      'chart or the trace.'
  ),
  TD132: perf(
    'timing',
    'warning',
    'Data loading dominates the step',
    'The bottleneck is data preparation, not Tinker: preprocess before the ' +
      'loop or load in the background.'
  ),
  TD133: perf(
    'timing',
    'warning',
    'Steady-state step times vary widely',
    'Usually GIL contention that varies with the batch, or queueing on the ' +
      'server: split submit time from wait time.'
  ),
  TD134: perf(
    'timing',
    'warning',
    'An operation started and never finished',
    'The run is stuck inside this operation: check the live view and the ' +
      'service path.'
  ),
  TD201: on(
    'output-correctness',
    'merge-code',
    'warning',
    'Hand-written LoRA merge',
    "Use the cookbook's weights.build_hf_model(), which knows each model " +
      "family's layout (fused and interleaved experts, VL prefixes, split QKV)."
  ),
  TD202: on(
    'output-correctness',
    'merge-code',
    'warning',
    'Merge product computed in bfloat16/float16',
    'Merge in float32, then cast.'
  ),
  TD203: on(
    'output-correctness',
    'merge-code',
    'error',
    'Expert weights mapped wrongly (w1 gate, w2 down, w3 up)',
    'Map w1 to gate_proj, w2 to down_proj, w3 to up_proj and keep the ' +
      "gate/up halves in the model's order."
  ),
  TD204: on(
    'output-correctness',
    'compare',
    'error',
    "Prompt tokens sent to the external engine differ from Tinker's",
    'Fix the chat template or renderer before looking at weights.'
  ),
  TD205: on(
    'output-correctness',
    'compare',
    'warning',
    'Sampled outputs differ between Tinker and the external engine',
    'Tinker is the ground truth; serve the unmerged adapter ' +
      '(weights.build_lora_adapter, vLLM --lora-modules) as a workaround.'
  ),
  TD300: on(
    'service',
    'smoke',
    'info',
    'Smoke test result',
    'Over 2 s round-trip suggests the network.'
  ),
  TD301: on(
    'service',
    'status',
    'error',
    'Cannot connect to the Tinker service',
    'Service down or a network/proxy problem: run the smoke test.'
  ),
  TD302: on(
    'service',
    'status',
    'warning',
    'Requests to Tinker time out',
    'Overload or a slow network — or a starved SDK loop: cross-check the ' +
      'GIL findings (TD120/TD121).'
  ),
  TD303: on(
    'service',
    'status',
    'error',
    'Billing pause (HTTP 402)',
    'Add credits in the Tinker console; this is not an outage.'
  ),
  TD304: on(
    'service',
    'status',
    'warning',
    'Rate limited (HTTP 429)',
    'Too many concurrent requests (roughly 2,000 sampling requests per ' +
      'user): bound concurrency and back off.'
  ),
  TD305: on(
    'service',
    'status',
    'error',
    'Server-side error (HTTP 5xx)',
    'Collect the session id, operation, time and SDK version and report it.'
  ),
  TD306: on(
    'service',
    'status',
    'warning',
    'Waiting for capacity',
    'Capacity for that model: try a smaller model or wait; not a client bug.'
  ),
  TD307: on(
    'service',
    'status',
    'warning',
    'The server keeps answering try_again for one request',
    'The server keeps asking the client to retry: escalate with the request ' +
      'id if it persists.'
  ),
  TD308: on(
    'service',
    'smoke',
    'info',
    'Not the default Tinker service',
    'Availability findings concern this backend, not Tinker itself.'
  ),
  TD401: on(
    'renderer',
    'config',
    'warning',
    'Renderer not among those recommended for the model',
    'Use get_recommended_renderer_name(model).'
  ),
  TD402: on(
    'renderer',
    'config',
    'warning',
    'Thinking data and renderer variant disagree',
    'Pick the renderer variant that matches the data (thinking or not).'
  ),
  TD403: on(
    'renderer',
    'tokens',
    'error',
    "Renderer tokens differ from the tokenizer's chat template",
    'Fix the renderer choice; known benign differences are named as such.'
  ),
  TD404: on(
    'renderer',
    'tokens',
    'warning',
    'High sample–train KL at step 0',
    'Prompt tokens may not match what the model expects: run the renderer ' +
      'check (TD403); if tokens match, the data is far from the model.'
  ),
  TD405: on(
    'renderer',
    'config',
    'error',
    'Unknown model or renderer',
    'Use a known name; custom renderers must be registered ' +
      '(register_renderer).'
  ),
  TD406: on(
    'renderer',
    'tokens',
    'error',
    'No valid weights for the loss: every weight is zero',
    'Check train_on_what and the masking of the data.'
  ),
  TD501: on(
    'errors',
    'decode',
    'error',
    'A datum has an empty token chunk',
    'Validate that every datum has tokens before submitting.'
  ),
  TD502: on(
    'errors',
    'decode',
    'error',
    'Extra fields in loss_fn_inputs',
    'Strip fields the loss does not take (often mask) from loss_fn_inputs.'
  ),
  TD503: on(
    'errors',
    'decode',
    'error',
    'Sampling from a training-state checkpoint',
    'Sample from a save_weights_for_sampler path, not a save_state path.'
  ),
  TD504: on(
    'errors',
    'decode',
    'error',
    'Sequence longer than the context window',
    'Shorten the prompt or max_tokens; the message gives the limits.'
  ),
  TD505: on(
    'errors',
    'decode',
    'error',
    'Transient server failure that did not recover',
    'Run the smoke test, then retry with a fresh session.'
  ),
  TD506: on(
    'errors',
    'decode',
    'error',
    'Access denied or session gone',
    'Check the API key and organization; recreate the session.'
  ),
  TD507: on(
    'errors',
    'decode',
    'warning',
    'Checkpoint save conflicts (HTTP 409)',
    'The first save succeeded: list checkpoints before retrying.'
  ),
  TD508: on(
    'errors',
    'decode',
    'error',
    'SDK no longer supported by the server',
    'pip install --upgrade tinker'
  ),
  TD509: on(
    'errors',
    'decode',
    'error',
    'Tokens and weights have different lengths',
    'Truncate tokens and weights together.'
  ),
  TD510: on(
    'errors',
    'decode',
    'error',
    'Image token count mismatch',
    'Upgrade transformers to 5.0 or later.'
  ),
  TD511: on(
    'errors',
    'decode',
    'error',
    'Renderer needs an image processor',
    'Pass image_processor=get_image_processor(model) to the renderer.'
  ),
  TD512: on(
    'errors',
    'decode',
    'error',
    "JSONL line without a 'messages' field",
    "Each line must be an object with a 'messages' list."
  ),
  TD513: on(
    'errors',
    'decode',
    'error',
    'Streaming dataset asked to seek backward',
    'Streaming datasets are forward-only: do not rewind them.'
  ),
  TD514: on(
    'errors',
    'decode',
    'error',
    'Client or session built on the SDK thread',
    'Create clients on the main thread (see TD114).'
  ),
  TD515: on(
    'errors',
    'decode',
    'error',
    'asyncio.run() inside Jupyter',
    'Jupyter already runs an event loop: use top-level await.'
  ),
  TD516: on(
    'errors',
    'decode',
    'error',
    'Client creation rejected (bad argument)',
    'The message names the field: fix the argument.'
  ),
  TD517: on(
    'errors',
    'decode',
    'error',
    'Non-finite values (NaN or Inf)',
    'Find the NaN or Inf in inputs or weights (e.g. a division by a zero ' +
      'standard deviation).'
  ),
  TD518: on(
    'errors',
    'decode',
    'error',
    'Code targets another SDK version',
    'Compare with the installed SDK version and its API.'
  ),
  TD519: on(
    'errors',
    'decode',
    'error',
    'Cookbook weights error',
    'Adapter and base model do not match, or the checkpoint path is bad.'
  ),
  TD520: on(
    'errors',
    'decode',
    'error',
    'Checkpoint kinds mixed up',
    'Resume training from a save_state path; sample from a ' +
      'save_weights_for_sampler path.'
  )
};

/** Fields a rule may set on a finding beyond its code. */
export interface IFindingInit {
  evidence: string;
  title?: string;
  fix?: string;
  severity?: Severity;
  cellIndex?: number | null;
  cellId?: string | null;
  line?: number | null;
}

/**
 * Make a finding for a catalogue code, filling path, step and defaults.
 *
 * @throws Error when the code is not in the catalogue (a programming error).
 */
export function makeFinding(code: string, init: IFindingInit): IFinding {
  const entry = CATALOGUE[code];
  if (!entry) {
    throw new Error(`Unknown finding code ${code}`);
  }
  return {
    code,
    severity: init.severity ?? entry.severity,
    path: entry.path,
    step: entry.step,
    title: init.title ?? entry.title,
    evidence: init.evidence,
    fix: init.fix ?? entry.fix,
    cellIndex: init.cellIndex ?? null,
    cellId: init.cellId ?? null,
    line: init.line ?? null
  };
}
