/**
 * TD404: what the sample–train KL at step 0 of a cookbook run
 * (`optim/kl_sample_train_*` in metrics.jsonl) says about the renderer.
 */
import { IRendererCheck } from '../facts';
import { makeFinding } from '../catalogue';
import { IFinding, IMetricsInput } from '../types';
import { stepNumber } from '../timing/steps';

/**
 * Sample–train KL at step 0 above this is "high" (TD404). Before the first
 * update the sampler and the trainer hold the same weights, so the KL only
 * measures numerical noise, typically well under 0.01; at or above 0.01 the
 * tokens the trainer scores are likely not the ones the model saw when
 * sampling (a renderer mismatch) or the data is far from the model.
 */
export const KL_STEP0_THRESHOLD = 0.01;

/** What the KL at step 0 gave: TD404 findings and notes. */
export interface IKlResult {
  findings: IFinding[];
  /** E.g. a KL that is NaN (could not be computed). */
  notes: string[];
}

/**
 * TD404 from cookbook metrics rows. An infinite KL at step 0 (Python writes
 * `Infinity`; `1e400` reads as infinity too) is the strongest sign: some
 * prompt token the trainer scores was (nearly) impossible for the sampler.
 * A NaN KL could not be computed and is only noted.
 */
export function klFindings(
  metrics: IMetricsInput,
  check: IRendererCheck | undefined
): IKlResult {
  const none: IKlResult = { findings: [], notes: [] };
  const rows = metrics.rows.filter(row =>
    Object.keys(row).some(k => k.startsWith('optim/kl_sample_train'))
  );
  if (rows.length === 0) {
    return none;
  }
  const first =
    rows.find(row => stepNumber(row) === 0) ??
    (stepNumber(rows[0]) === null ? rows[0] : undefined);
  if (!first) {
    return none;
  }
  const kl = Object.entries(first).filter(
    (entry): entry is [string, number] =>
      entry[0].startsWith('optim/kl_sample_train') &&
      typeof entry[1] === 'number'
  );
  const high = kl.filter(
    ([, value]) => !Number.isNaN(value) && value >= KL_STEP0_THRESHOLD
  );
  const nan = kl.filter(([, value]) => Number.isNaN(value));
  const notes =
    nan.length > 0
      ? [
          `Sample–train KL at step 0 is NaN (${nan
            .map(([k]) => k)
            .join(', ')}): it could not be computed (typically no token ` +
            'with loss weight, or an infinite log-probability on both ' +
            'sides), so it says nothing about the renderer.'
        ]
      : [];
  if (high.length === 0) {
    return { findings: [], notes };
  }
  const values = high.map(([k, v]) => `${k} = ${v}`).join(', ');
  const infinite = high.some(([, v]) => !Number.isFinite(v));
  const tokensMatch =
    check && check.identical === true && !check.error
      ? ' The renderer check found the tokens identical to the chat ' +
        'template, so the data is likely far from the model’s distribution.'
      : '';
  return {
    findings: [
      makeFinding('TD404', {
        title: infinite ? 'Infinite sample–train KL at step 0' : undefined,
        evidence:
          `At step 0: ${values} (threshold ${KL_STEP0_THRESHOLD}: before ` +
          'any update sampler and trainer share the weights, so the KL ' +
          'should be numerical noise).' +
          (infinite
            ? ' An infinite KL means the trainer scored some token the ' +
              'sampler gave (almost) no probability: the strongest sign ' +
              'that the prompt tokens are not what the model expects.'
            : '') +
          tokensMatch,
        fix:
          'Run "Check renderer" (TD403) to compare the renderer’s tokens ' +
          'with the tokenizer’s chat template; if they match, the data is ' +
          'far from the model’s distribution (common with gpt-oss on ' +
          'specialised data).'
      })
    ],
    notes
  };
}
