/**
 * One test per decoder table row: a realistic message, as the SDK, the
 * server or the cookbook prints it, must match the row with the values it
 * carries; a near miss must not produce the row's code.
 */
import { DECODER_TABLE, matchMessage } from '../../src/engine/decoder';
import { MessageSource } from '../../src/engine/decoder/types';

interface IRowExample {
  /** The message as printed (`Type: text` for exceptions). */
  message: string;
  /** Traceback text or cell source around the message. */
  context?: string;
  source?: MessageSource;
  /** Values the match must carry. */
  values?: Record<string, string>;
  /** A message that must not produce the row's code. */
  nearMiss: string;
  /** The near miss's context, when not the example's. */
  nearMissContext?: string;
}

const HB =
  'Session heartbeat failed for 131.4 seconds for session sess-0001. ' +
  'Last exception: ';
const SAMPLE_SRC =
  's = sc.create_sampling_client(model_path=path)\n' +
  'out = s.sample(prompt, 1, params).result()';
const FB_SRC = "tc.forward_backward(batch, 'cross_entropy').result()";

/** Examples by row id. Every row must have one. */
const EXAMPLES: Record<string, IRowExample> = {
  'heartbeat-failed': {
    message:
      HB +
      'APITimeoutError: Request timed out..\nYour connection may be ' +
      'unreliable or Tinker is down.',
    source: 'log',
    values: {
      seconds: '131.4',
      session: 'sess-0001',
      last: 'APITimeoutError: Request timed out.'
    },
    nearMiss: 'Session heartbeat sent for session sess-0001'
  },
  'connection-error': {
    message: 'APIConnectionError: Connection error.',
    nearMiss: 'APITimeoutError: Request timed out.'
  },
  timeout: {
    message: 'tinker.APITimeoutError: Request timed out.',
    nearMiss: 'TimeoutError: '
  },
  'billing-paused': {
    message: 'The job is paused due to billing status. Error: payment required',
    source: 'log',
    values: { detail: 'payment required' },
    nearMiss: 'Model creation for Qwen/Qwen3-8B is paused. Reason: unknown.'
  },
  'payment-required': {
    message: "BillingError: Error code: 402 - {'detail': 'payment required'}",
    values: { status: '402' },
    nearMiss: "BadRequestError: Error code: 400 - {'detail': 'bad input'}"
  },
  'rate-limited': {
    message: 'RateLimitError: Error code: 429',
    nearMiss:
      'Sampling is paused for sampler samp-1. Reason: concurrent sampler ' +
      'weights limit hit'
  },
  'server-error-retry': {
    message:
      'Retrying due to status code 502. text={"error":"Bad Gateway",' +
      '"message":"Log ID: log-77"}',
    source: 'log',
    values: { status: '502', logId: 'log-77' },
    nearMiss: 'Retrying due to status code 408'
  },
  'server-error': {
    message:
      'ValueError: Error retrieving result: Internal error with status 503 ' +
      "for self.request_id='req-9' and expected type " +
      "self.model_cls=<class 'tinker.types.OptimStepResponse'>",
    values: { status: '503', request: 'req-9' },
    nearMiss:
      'ValueError: Error retrieving result: not allowed with status 404 ' +
      "for self.request_id='req-9'"
  },
  'queue-paused': {
    message:
      'Model creation for Qwen/Qwen3-235B-A22B is paused. Reason: ' +
      'concurrent training clients rate limit hit.',
    source: 'log',
    values: {
      operation: 'Model creation',
      target: 'Qwen/Qwen3-235B-A22B',
      reason: 'concurrent training clients rate limit hit'
    },
    nearMiss: 'The job is paused due to billing status. Error: no credits'
  },
  'sampling-paused': {
    message:
      'Sampling is paused for sampler samp-42. Reason: Tinker backend is ' +
      'running short on capacity, please wait',
    source: 'log',
    values: { sampler: 'samp-42' },
    nearMiss: 'Sampling resumed for sampler samp-42'
  },
  'try-again': {
    message: "Retrying request self.request_id='req-0007' because of try_again",
    source: 'log',
    values: { request: 'req-0007' },
    nearMiss: "Retrying request self.request_id='req-0007' because of 500"
  },
  'unknown-renderer': {
    message:
      'ValueError: Unknown renderer: qwen3_thinking. If this is a custom ' +
      'renderer, please register it via register_renderer().',
    values: { renderer: 'qwen3_thinking' },
    nearMiss: 'ValueError: Unknown rendering mode: fast'
  },
  'unknown-model': {
    message: 'ConfigurationError: Unknown model: Qwen/Qwen9-1B',
    values: { model: 'Qwen/Qwen9-1B' },
    nearMiss: 'ValueError: Unknown modality: audio'
  },
  'no-renderer': {
    message: 'ValueError: Could not infer a renderer for model my-org/m1',
    nearMiss: 'ValueError: Could not infer dtype for tensor'
  },
  'no-valid-weights': {
    message: 'WARNING: No valid weights found for NLL computation',
    source: 'log',
    nearMiss: 'No valid weights found in models/v1/'
  },
  'empty-max': {
    message:
      'RequestFailedError: Request failed: max() iterable argument is ' +
      "empty for self.request_id='req-1' and expected type " +
      'self.model_cls=ForwardBackwardOutput',
    values: { request: 'req-1' },
    nearMiss: "TypeError: max() got an unexpected keyword argument 'axis'"
  },
  'loss-inputs-array-record': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'Could not convert " +
      "loss function inputs to array record'}",
    nearMiss: 'ValueError: Could not convert loss function outputs to numpy'
  },
  'unknown-client-error-sampling': {
    message:
      'RequestFailedError: Request failed: Unknown client error for ' +
      "self.request_id='req-8' and expected type " +
      'self.model_cls=SampleResponse',
    context: SAMPLE_SRC,
    nearMiss:
      'RequestFailedError: Request failed: Unknown client error for ' +
      "self.request_id='req-8' and expected type " +
      'self.model_cls=ForwardBackwardOutput',
    nearMissContext: FB_SRC
  },
  'context-window': {
    message:
      "BadRequestError: Error code: 400 - {'detail': \"Prompt length plus " +
      "max_tokens exceeds the model's context window: 30000 + 4096 > " +
      '32768"}',
    values: { prompt: '30000', maxTokens: '4096', limit: '32768' },
    nearMiss: "Prompt length plus max_tokens fits the model's context window"
  },
  'sequence-length': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'sequence length " +
      "38632 exceeds max sequence length 32768 for field target_tokens[4]'}",
    values: { length: '38632', limit: '32768', field: 'target_tokens[4]' },
    nearMiss: 'sequence length 38632 is below max sequence length 65536'
  },
  'prompt-too-long': {
    message: 'RequestFailedError: Request failed: PromptTooLong',
    nearMiss: 'RequestFailedError: Request failed: PromptTooShortForCache'
  },
  'exhausted-retries': {
    message:
      'RequestFailedError: Request failed: Failed to sample after ' +
      "exhausting retries for self.request_id='req-3'",
    values: { operation: 'sample' },
    nearMiss: 'Retrying request after 2 retries'
  },
  'promise-expired': {
    message: 'RetryableException: Promise expired/broken for request req-0042',
    values: { request: 'req-0042' },
    nearMiss: 'ValueError: Promise resolved for request req-0042'
  },
  forbidden: {
    message:
      "PermissionDeniedError: Error code: 403 - {'detail': 'You do not " +
      "have access to this model'}",
    nearMiss:
      "PermissionDeniedError: Error code: 402 - {'detail': 'paused due to " +
      "billing status'}"
  },
  'session-gone': {
    message:
      "ValueError: Error retrieving result: {'detail': 'Invalid " +
      "session_id'} with status 400",
    nearMiss: 'ValueError: session_id must be a string'
  },
  'forbidden-text': {
    message: "APIStatusError: {'detail': 'Access blocked for this model'}",
    nearMiss: "APIStatusError: {'detail': 'Access logged for this model'}"
  },
  unauthenticated: {
    message: "AuthenticationError: Error code: 401 - {'detail': 'bad key'}",
    nearMiss: "AuthenticationError: Error code: 402 - {'detail': 'billing'}"
  },
  'api-key-rejected': {
    message: "TinkerError: The api_key must start with the 'tml-' prefix",
    nearMiss: 'TinkerError: The api_key was rotated yesterday'
  },
  'save-conflict': {
    message:
      "ConflictError: Error code: 409 - {'detail': 'Checkpoint step_100 " +
      "already exists'}",
    context: 'ckpt = tc.save_state("step_100").result()',
    values: { status: '409', checkpoint: 'step_100' },
    nearMiss: 'ConfigurationError: Log directory already exists'
  },
  'session-id-required': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'session_id is " +
      'required. The version of the Tinker SDK you are using is no longer ' +
      "supported.'}",
    nearMiss: 'TypeError: session_ids are required to be strings'
  },
  'tokens-weights-length': {
    message: 'ValueError: tokens and weights must be the same length',
    nearMiss: 'ValueError: tokens must be a list'
  },
  'image-token-count': {
    message: 'ValueError: Expected 729 tokens, got 182 from image',
    values: { expected: '729', got: '182' },
    nearMiss: 'ValueError: Expected 729 tokens, got 182 from text'
  },
  'image-processor-missing': {
    message: 'ValueError: image_processor is required to render image content',
    nearMiss: 'ValueError: image_processor is deprecated, use processor'
  },
  'messages-field': {
    message: "ValueError: Each line must contain a 'messages' field",
    nearMiss: 'ValueError: Each line must be valid JSON (line 3)'
  },
  'forward-only': {
    message:
      'ValueError: StreamingDataset only supports forward iteration; ' +
      'cannot seek backward to batch 0',
    nearMiss: 'ValueError: StreamingDataset reached the end of the stream'
  },
  'event-loop-thread': {
    message:
      'RuntimeError: Cannot create a new session from the event loop ' +
      'thread. Use session_id= to create a shadow holder instead.',
    values: { action: 'create a new session' },
    nearMiss: 'RuntimeError: Event loop is closed'
  },
  'asyncio-run': {
    message:
      'RuntimeError: asyncio.run() cannot be called from a running event ' +
      'loop',
    nearMiss: 'RuntimeError: Event loop stopped before Future completed.'
  },
  'bad-rank': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'lora_config.rank " +
      "must be a power of 2'}",
    values: { field: 'lora_config.rank', rule: 'a power of 2' },
    nearMiss: "BadRequestError: Error code: 400 - {'detail': 'rank 16 ok'}"
  },
  'base-model-required': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'base_model is " +
      "required'}",
    nearMiss: "KeyError: 'base_model'"
  },
  'training-flags-off': {
    message:
      'AssertionError: At least one of train_mlp, train_attn, or ' +
      'train_unembed must be True',
    nearMiss: 'AssertionError: train_mlp must be a bool'
  },
  'non-finite': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'NonFiniteInTensor: " +
      "advantages contains NaN'}",
    values: { tensor: 'advantages' },
    nearMiss: 'ValueError: advantages are finite but empty'
  },
  'module-attribute': {
    message: "AttributeError: module 'tinker.types' has no attribute 'Chunk'",
    values: { module: 'tinker.types', attr: 'Chunk' },
    nearMiss: "AttributeError: module 'numpy' has no attribute 'float'"
  },
  'object-attribute': {
    message:
      "AttributeError: 'TrainingClient' object has no attribute " +
      "'save_weights_and_get_sampling_client_async'",
    values: { cls: 'TrainingClient' },
    nearMiss: "AttributeError: 'DataFrame' object has no attribute 'tokens'"
  },
  'import-name': {
    message:
      "ImportError: cannot import name 'ForwardBackwardInput' from " +
      "'tinker.types' (/env/lib/python3.11/site-packages/tinker/types.py)",
    values: { attr: 'ForwardBackwardInput', module: 'tinker.types' },
    nearMiss:
      "ImportError: cannot import name 'foo' from 'mytinker' (/x/mytinker.py)"
  },
  'missing-submodule': {
    message:
      "ModuleNotFoundError: No module named 'tinker.types.forward_request'",
    values: { module: 'tinker.types.forward_request' },
    nearMiss: "ModuleNotFoundError: No module named 'tinker'"
  },
  'cookbook-weights-error': {
    message:
      'WeightsDownloadError: checkpoint tinker://run-1/sampler_weights/x ' +
      'not found',
    values: { error: 'WeightsDownloadError' },
    nearMiss: 'CheckpointError: could not write checkpoints.jsonl'
  },
  'not-training-state': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'Checkpoint path " +
      'tinker://run-2:train:0/sampler_weights/000400 is not a training ' +
      "state checkpoint'}",
    values: { path: 'tinker://run-2:train:0/sampler_weights/000400' },
    nearMiss: "BadRequestError: Error code: 400 - {'detail': 'bad request'}"
  },
  'not-sampler-weights': {
    message:
      "BadRequestError: Error code: 400 - {'detail': 'tinker://run-2:" +
      "train:0/weights/s1 is not a sampler weights checkpoint'}",
    values: { path: 'tinker://run-2:train:0/weights/s1' },
    nearMiss: "BadRequestError: Error code: 400 - {'detail': 'bad request'}"
  },
  'sampler-path-resume': {
    message: "BadRequestError: Error code: 400 - {'detail': 'Path is invalid'}",
    context:
      'ckpt = "tinker://run-3:train:0/sampler_weights/final"\n' +
      'tc = service_client.create_training_client_from_state(ckpt)',
    values: { path: 'tinker://run-3:train:0/sampler_weights/final' },
    nearMiss: 'TimeoutError: '
  },
  'state-path-sampling': {
    message:
      "NotFoundError: Error code: 404 - {'detail': 'Sampler weights not " +
      "found'}",
    context:
      's = sc.create_sampling_client(model_path=' +
      '"tinker://run-8:train:0/weights/step_300")',
    values: { path: 'tinker://run-8:train:0/weights/step_300' },
    nearMiss: 'TimeoutError: '
  }
};

describe('decoder table rows', () => {
  it('has a unique id for every row', () => {
    const ids = DECODER_TABLE.map(r => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has an example for every row and a row for every example', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(
      DECODER_TABLE.map(r => r.id).sort()
    );
  });

  describe.each(DECODER_TABLE.map(r => [r.id, r.code, r]))(
    '%s (%s)',
    (id, code) => {
      const ex = EXAMPLES[id as string];
      const ctx = { context: ex?.context ?? '', source: ex?.source ?? 'error' };

      it('matches the realistic message with its values', () => {
        const found = matchMessage(ex.message, ctx).find(
          m => m.row.code === code
        );
        expect(found?.row.id).toBe(id);
        expect(found?.values).toEqual(expect.objectContaining(ex.values ?? {}));
      });

      it('does not match the near miss', () => {
        const near = { ...ctx, context: ex.nearMissContext ?? ctx.context };
        const codes = matchMessage(ex.nearMiss, near).map(m => m.row.code);
        expect(codes).not.toContain(code);
      });
    }
  );
});
