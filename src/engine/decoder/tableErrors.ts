/**
 * Decoder rows for the error codes (TD5xx) and the renderer errors that show
 * up as messages (TD405, TD406).
 *
 * Server-side strings (`max() iterable argument is empty`, `Failed after
 * exhausting retries`, …) reach the user inside `RequestFailedError`,
 * `BadRequestError` or `ValueError("Error retrieving result: …")`, so rows
 * match them as substrings of whatever wraps them.
 */
import { anyOf, seq, status } from './regex';
import { TINKER_CLASS_NAMES } from './sdkNames';
import { IDecoderRow } from './types';

/** A call that loads a checkpoint to train from. */
const LOAD_CALL =
  /\b(?:create_training_client_from_state\w*|load_state\w*)\s*\(/;
/** A call that creates a sampler from a checkpoint. */
const SAMPLE_CALL = /\b(?:create_sampling_client\w*|SamplingClient)\s*\(/;
/** A sampler-weights checkpoint path. */
const SAMPLER_PATH = /(?<path>tinker:\/\/[^\s'"]*\/sampler_weights\/[^\s'")]*)/;
/** A training-state checkpoint path (`…/weights/…`). */
const STATE_PATH = /(?<path>tinker:\/\/[^\s'"]*?\/weights\/[^\s'")]*)/;
/** The errors the service answers a wrong checkpoint kind with. */
const BAD_PATH = anyOf(
  /[Pp]ath is invalid/,
  /[Ii]nvalid (?:checkpoint |model )?path/,
  /not found/,
  status('40[04]'),
  /Unknown client error/
);
/** Code that samples. */
const SAMPLING = anyOf(
  /\.sample(?:_async)?\s*\(/,
  /\bSampleResponse\b/,
  /\bsampling_client\b/,
  /\bSamplingClient\b/,
  /\bcompute_logprobs\w*\s*\(/,
  /\bcreate_sampling_client/
);

/** Rows for TD405, TD406 and TD501–TD520. */
export const ERROR_ROWS: IDecoderRow[] = [
  {
    id: 'unknown-renderer',
    code: 'TD405',
    pattern:
      /\bUnknown renderer(?::\s*|\s+['"]?)(?<renderer>[\w-]+(?:\.[\w-]+)*)?/,
    cause: 'The renderer name[ "{renderer}"] is not registered',
    fix:
      'Use get_recommended_renderer_name(model) or one of the registered ' +
      'names; register a custom renderer with register_renderer() first.'
  },
  {
    id: 'unknown-model',
    code: 'TD405',
    pattern:
      /\bUnknown model(?::\s*|\s+['"]?)(?<model>[\w\/-]+(?:\.[\w\/-]+)*)?/,
    cause: 'The model name[ "{model}"] is not known to the cookbook',
    fix:
      'Check the spelling (e.g. Qwen/Qwen3-8B) against the supported models; ' +
      'for a custom model pass the renderer name explicitly.'
  },
  {
    id: 'no-renderer',
    code: 'TD405',
    pattern: anyOf(
      seq(
        /(?:[Cc]ould not|[Cc]annot|[Uu]nable to) (?:infer|determine|find) /,
        /(?:a |the )?renderer/
      ),
      /\bNo renderer (?:found|registered|inferred)/
    ),
    cause: 'No renderer could be chosen for the model',
    fix: 'Pass a renderer name explicitly (get_recommended_renderer_name).'
  },
  {
    id: 'no-valid-weights',
    code: 'TD406',
    pattern: /No valid weights found for NLL computation/,
    cause: 'Every loss weight in the batch is zero: nothing is trained'
  },
  {
    id: 'empty-max',
    code: 'TD501',
    pattern:
      /\bmax\(\) (?:iterable argument is empty|arg is an empty sequence)/,
    cause: 'The server found a datum with an empty token chunk'
  },
  {
    id: 'loss-inputs-array-record',
    code: 'TD502',
    pattern: /Could not convert loss function inputs to array record/,
    cause: 'loss_fn_inputs holds a field the loss does not take (often mask)'
  },
  {
    id: 'unknown-client-error-sampling',
    code: 'TD503',
    pattern: /\bUnknown client error\b/,
    requiresAny: [SAMPLING],
    cause:
      'Sampling failed with "Unknown client error": usually a save_state ' +
      'checkpoint used for sampling'
  },
  {
    id: 'context-window',
    code: 'TD504',
    pattern: seq(
      /Prompt length plus max_tokens exceeds the model's context window/,
      /(?::\s*(?<prompt>\d+)\s*\+\s*(?<maxTokens>\d+)\s*>\s*(?<limit>\d+))?/
    ),
    cause:
      'Prompt plus max_tokens exceed the context window' +
      '[: {prompt} + {maxTokens} > {limit}]'
  },
  {
    id: 'sequence-length',
    code: 'TD504',
    pattern: seq(
      /sequence length (?<length>\d+) exceeds (?:the )?max(?:imum)? /,
      /sequence length (?<limit>\d+)(?: for field (?<field>[\w.\[\]]+))?/
    ),
    cause:
      'A sequence of {length} tokens exceeds the limit of {limit}' +
      '[ ({field})]',
    fix:
      'Truncate the data (e.g. max_length in the dataset builder), keeping ' +
      'tokens and weights aligned, or shorten the prompt or max_tokens.'
  },
  {
    id: 'prompt-too-long',
    code: 'TD504',
    pattern: anyOf(
      /\bPromptTooLong\b/,
      seq(
        /(?:exceeds|longer than) (?:the )?(?:model's )?(?:maximum )?context /,
        /(?:window|length)/
      )
    ),
    cause: 'The prompt is longer than the model accepts'
  },
  {
    id: 'exhausted-retries',
    code: 'TD505',
    pattern: /Failed (?:to (?<operation>\w+) )?after exhausting retries/,
    cause:
      'The server gave up[ on {operation}] after exhausting its retries ' +
      '(a transient failure that did not recover)'
  },
  {
    id: 'forbidden',
    code: 'TD506',
    pattern: anyOf(
      /\bPermissionDeniedError\b/,
      status('403'),
      /\bAccess blocked\b/,
      /You do not have access to this model/
    ),
    cause: 'Access denied (HTTP 403)[ for model {model}]',
    fix:
      'Check the API key and the organization it belongs to, and that the ' +
      'organization may use this model.'
  },
  {
    id: 'session-gone',
    code: 'TD506',
    pattern: anyOf(
      /Invalid session_id/,
      /\b[Ss]ession (?:\S+ )?not found/,
      /\bSession (?:\S+ )?(?:has )?expired/,
      /\bUnknown session\b/
    ),
    cause: 'The service no longer knows this session',
    fix:
      'Recreate the client (a new session) and resume from the last ' +
      'save_state checkpoint.'
  },
  {
    id: 'unauthenticated',
    code: 'TD506',
    pattern: anyOf(
      /\bAuthenticationError\b/,
      status('401'),
      /\bInvalid API key\b/,
      /api_key must start with the 'tml-' prefix/,
      /api_key client option must be set/
    ),
    cause: 'The API key was rejected or is missing',
    fix:
      'Set TINKER_API_KEY to a valid key (it starts with tml-) in the ' +
      "kernel's environment; check the organization it belongs to."
  },
  {
    id: 'save-conflict',
    code: 'TD507',
    pattern: anyOf(
      /\bConflictError\b/,
      status('409'),
      /\bResourceAlreadyExists\b/,
      /[Cc]heckpoint \S+ already exists/
    ),
    requiresAny: [/\bsave_(?:state|weights\w*)\s*\(|\bSaveWeights\w*/],
    cause:
      'A checkpoint save conflicts with an existing one[ ({checkpoint})]: ' +
      'an earlier attempt already saved it'
  },
  {
    id: 'session-id-required',
    code: 'TD508',
    pattern: /\bsession_id is required\b/,
    cause: 'The server no longer supports this SDK version'
  },
  {
    id: 'tokens-weights-length',
    code: 'TD509',
    pattern: /\btokens and weights must (?:be|have) the same length/,
    cause: 'Truncation was applied to the tokens but not to the weights'
  },
  {
    id: 'image-token-count',
    code: 'TD510',
    pattern: /Expected (?<expected>\d+) tokens, got (?<got>\d+) from image/,
    cause:
      'The image processor produced {got} image tokens where {expected} ' +
      'were expected (transformers < 5.0)'
  },
  {
    id: 'image-processor-missing',
    code: 'TD511',
    pattern: /\bimage_processor is required\b|\brequires an image_processor\b/,
    cause: 'The renderer got image content but no image processor'
  },
  {
    id: 'messages-field',
    code: 'TD512',
    pattern: /[Ee]ach line must contain an? ['"]messages['"] field/,
    cause: "A JSONL line has no 'messages' field"
  },
  {
    id: 'forward-only',
    code: 'TD513',
    pattern: /only supports forward iteration|[Cc]annot seek backward/,
    cause: 'A streaming dataset was asked to go back'
  },
  {
    id: 'event-loop-thread',
    code: 'TD514',
    pattern: anyOf(
      /\bCannot (?<action>.+?) from the event loop thread/,
      /on the Tinker SDK's own event loop/
    ),
    cause:
      'A blocking Tinker call ran on the SDK thread[ ({action})]: it would ' +
      'wait on itself'
  },
  {
    id: 'asyncio-run',
    code: 'TD515',
    pattern: anyOf(
      /asyncio\.run\(\) cannot be called from a running event loop/,
      /\bThis event loop is already running\b/
    ),
    cause: 'Jupyter already runs an event loop in this kernel'
  },
  {
    id: 'bad-rank',
    code: 'TD516',
    pattern: seq(
      /\b(?<field>(?:lora_config\.)?rank) must be /,
      /(?<rule>positive|a power of (?:2|two))/
    ),
    cause: 'Client creation rejected: {field} must be {rule}',
    fix: 'Use a LoRA rank that is a positive power of two (16, 32, 64…).'
  },
  {
    id: 'base-model-required',
    code: 'TD516',
    pattern: anyOf(
      /\bbase_model is required\b/,
      /Either model_path or base_model must be provided/
    ),
    cause: 'Client creation rejected: no base model given',
    fix: 'Pass base_model= (or model_path= for a sampler).'
  },
  {
    id: 'training-flags-off',
    code: 'TD516',
    pattern: /At least one of train_\w+, train_\w+,? or train_\w+ must be True/,
    cause: 'Client creation rejected: every train_* flag is off',
    fix: 'Set at least one of train_mlp, train_attn or train_unembed to True.'
  },
  {
    id: 'non-finite',
    code: 'TD517',
    pattern: anyOf(
      /\bNonFiniteInTensor\b(?::\s*(?<tensor>\w+))?/,
      /\b(?:contains?|has) (?:a )?(?:NaN|Inf|non-finite)\b/,
      /\bnon-finite values?\b/
    ),
    cause: 'Non-finite values (NaN or Inf)[ in {tensor}]'
  },
  {
    id: 'module-attribute',
    code: 'TD518',
    pattern: seq(
      /module '(?<module>tinker(?:_cookbook)?(?:\.\w+)*)' /,
      /has no attribute '(?<attr>\w+)'/
    ),
    cause: "{module} has no attribute '{attr}' in the installed version"
  },
  {
    id: 'object-attribute',
    code: 'TD518',
    pattern: seq(
      /(?:type object )?'(?<cls>\w+)'(?: object)? /,
      /has no attribute '(?<attr>\w+)'/
    ),
    groupIn: { cls: TINKER_CLASS_NAMES },
    cause: "tinker's {cls} has no attribute '{attr}' in the installed version"
  },
  {
    id: 'import-name',
    code: 'TD518',
    pattern: seq(
      /cannot import name '(?<attr>\w+)' /,
      /from '(?<module>tinker(?:_cookbook)?(?:\.\w+)*)'/
    ),
    cause: "{module} has no '{attr}' in the installed version"
  },
  {
    id: 'missing-submodule',
    code: 'TD518',
    pattern: /No module named '(?<module>tinker(?:_cookbook)?\.[\w.]+)'/,
    cause: 'The installed SDK has no module {module}'
  },
  {
    id: 'cookbook-weights-error',
    code: 'TD519',
    pattern: /\b(?<error>Weights(?:Merge|Download|Adapter)Error)\b/,
    cause:
      'The cookbook raised {error}: adapter and base model do not match, ' +
      'or the checkpoint path is bad'
  },
  {
    id: 'not-training-state',
    code: 'TD520',
    pattern: anyOf(
      /not a training[ -]state checkpoint/,
      seq(
        /(?:sampler[_ ]weights?|sampling) (?:checkpoint|path) /,
        /(?:cannot|can't) be (?:used|loaded) (?:to|for) /,
        /(?:resume|resuming|training)/
      )
    ),
    lineAt: LOAD_CALL,
    cause:
      'A sampler-weights checkpoint was used to resume training[ ({path})]',
    fix:
      'Resume from a save_state path (tinker://…/weights/…); ' +
      'sampler_weights paths are for sampling only.'
  },
  {
    id: 'not-sampler-weights',
    code: 'TD520',
    pattern: anyOf(
      /not a sampler(?:[_ ]weights)? checkpoint/,
      seq(
        /(?:training[- ]state|save_state) (?:checkpoint|path) /,
        /(?:cannot|can't) be used for sampling/
      )
    ),
    lineAt: SAMPLE_CALL,
    cause: 'A training-state checkpoint was used for sampling[ ({path})]',
    fix:
      'Sample from a save_weights_for_sampler path ' +
      '(tinker://…/sampler_weights/…).'
  },
  {
    id: 'sampler-path-resume',
    code: 'TD520',
    pattern: BAD_PATH,
    requiresAll: [LOAD_CALL, SAMPLER_PATH],
    lineAt: LOAD_CALL,
    cause: 'Training was resumed from a sampler-weights checkpoint[ ({path})]',
    fix:
      'Resume from a save_state path (tinker://…/weights/…); ' +
      'sampler_weights paths are for sampling only.'
  },
  {
    id: 'state-path-sampling',
    code: 'TD520',
    pattern: BAD_PATH,
    requiresAll: [SAMPLE_CALL, STATE_PATH],
    lineAt: SAMPLE_CALL,
    cause: 'A sampler was created from a training-state path[ ({path})]',
    fix:
      'Sample from a save_weights_for_sampler path ' +
      '(tinker://…/sampler_weights/…), not a save_state path.'
  }
];
