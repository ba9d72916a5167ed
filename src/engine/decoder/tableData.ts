/**
 * Decoder rows for errors in the user's data, renderer, code version and
 * checkpoints (TD405, TD406, TD509–TD513, TD518–TD520).
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

/** Rows for TD405, TD406, TD509–TD513 and TD518–TD520. */
export const DATA_ROWS: IDecoderRow[] = [
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
