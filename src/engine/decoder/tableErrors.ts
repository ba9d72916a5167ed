/**
 * Decoder rows for the errors requests end in (TD501–TD508, TD514–TD517):
 * server-side strings, access, sessions, threads and argument checks.
 *
 * Server-side strings (`max() iterable argument is empty`, `Failed after
 * exhausting retries`, …) reach the user inside `RequestFailedError`,
 * `BadRequestError` or `ValueError("Error retrieving result: …")`, so rows
 * match them as substrings of whatever wraps them.
 */
import { anyOf, seq, status } from './regex';
import { IDecoderRow } from './types';

/** Code that samples. */
const SAMPLING = anyOf(
  /\.sample(?:_async)?\s*\(/,
  /\bSampleResponse\b/,
  /\bsampling_client\b/,
  /\bSamplingClient\b/,
  /\bcompute_logprobs\w*\s*\(/,
  /\bcreate_sampling_client/
);

/** What to do about a 403 or an "Access blocked". */
const FORBIDDEN_FIX =
  'Check the API key and the organization it belongs to, and that the ' +
  'organization may use this model.';

/** What to do about a rejected or missing key. */
const API_KEY_FIX =
  'Set TINKER_API_KEY to a valid key (it starts with tml-) in the ' +
  "kernel's environment; check the organization it belongs to.";

/**
 * Rows for TD501–TD508 and TD514–TD517. Rows that know an error by its
 * class name or status declare the statuses they are about, so that the
 * status the server sent wins over the class an SDK raised it as; access
 * rows yield to the billing code (a 402 is billing whatever the class).
 */
export const ERROR_ROWS: IDecoderRow[] = [
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
    id: 'promise-expired',
    code: 'TD505',
    pattern: /Promise expired\/broken for request (?<request>\S+)/,
    cause:
      'The server dropped the result of request {request} (HTTP 410): a ' +
      'transient failure that did not recover'
  },
  {
    id: 'forbidden',
    code: 'TD506',
    pattern: anyOf(/\bPermissionDeniedError\b/, status('403')),
    statuses: /^403$/,
    yieldsTo: ['TD303'],
    cause: 'Access denied (HTTP 403)[ for model {model}]',
    fix: FORBIDDEN_FIX
  },
  {
    id: 'forbidden-text',
    code: 'TD506',
    pattern: anyOf(
      /\bAccess blocked\b/,
      /You do not have access to this model/
    ),
    yieldsTo: ['TD303'],
    cause: 'Access denied[ for model {model}]',
    fix: FORBIDDEN_FIX
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
    pattern: anyOf(/\bAuthenticationError\b/, status('401')),
    statuses: /^401$/,
    yieldsTo: ['TD303'],
    cause: 'The API key was rejected or is missing (HTTP 401)',
    fix: API_KEY_FIX
  },
  {
    id: 'api-key-rejected',
    code: 'TD506',
    pattern: anyOf(
      /\bInvalid API key\b/,
      /api_key must start with the 'tml-' prefix/,
      /api_key client option must be set/
    ),
    cause: 'The API key was rejected or is missing',
    fix: API_KEY_FIX
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
  }
];
