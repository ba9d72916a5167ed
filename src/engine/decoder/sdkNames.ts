/**
 * Public class names of the `tinker` SDK, so that an `AttributeError` on one
 * of its objects can be told from one on the user's own objects (TD518).
 *
 * Read from `tinker.__all__` of the installed SDK 0.38.0 (the non-exception
 * classes), plus the future classes the SDK's calls return. The engine runs
 * in the browser and cannot import the SDK, hence the list; a name missing
 * here only means such an AttributeError is not decoded.
 */
export const TINKER_CLASS_NAMES: ReadonlyArray<string> = [
  'AdamOptimizerConfig',
  'AdamParams',
  'AdminClient',
  'APIFuture',
  'AwaitableConcurrentFuture',
  'BackcompatSamplingClientFuture',
  'BackcompatTrainingClientFuture',
  'Checkpoint',
  'CheckpointType',
  'Datum',
  'DimuonOptimizerConfig',
  'DimuonParams',
  'DmelChunk',
  'EncodedTextChunk',
  'ForwardBackwardOutput',
  'LoraConfig',
  'LossHandle',
  'ModelInput',
  'ModelInputChunk',
  'OptimParams',
  'OptimStepRequest',
  'OptimStepResponse',
  'ParsedCheckpointTinkerPath',
  'PromptProvenanceSpan',
  'RequestOptions',
  'RestClient',
  'SampledProvenanceSpan',
  'SampledSequence',
  'SampleRequest',
  'SampleResponse',
  'SamplingClient',
  'SamplingParams',
  'ServiceClient',
  'StopReason',
  'TensorData',
  'TensorDtype',
  'TrainingClient',
  'TrainingRun',
  '_APIFuture',
  '_CombinedAPIFuture'
];
