/**
 * TD404 (sample–train KL at step 0): non-finite values, and which row is
 * step 0 (the same step keys as the timing rules).
 */
import { diagnose } from '../../src/engine/diagnose';
import { rendererRules } from '../../src/engine/rules/renderer';
import { readMetrics } from '../../src/engine/timing/metrics';
import { run, tokensStep } from './rendererHelpers';

describe('TD404 with a non-finite KL at step 0', () => {
  const parsed = (text: string) => readMetrics(text);

  it('reports Infinity (as Python writes it) as the strongest sign', () => {
    const result = rendererRules.run({
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": Infinity, ' +
          '"optim/kl_sample_train_v2": NaN}\n' +
          '{"progress/batch": 1, "optim/kl_sample_train_v1": 0.5}\n'
      )
    });
    const td404 = result.findings.filter(f => f.code === 'TD404');
    expect(td404).toHaveLength(1);
    expect(td404[0].title).toBe('Infinite sample–train KL at step 0');
    expect(td404[0].evidence).toContain('optim/kl_sample_train_v1 = Infinity');
    expect(result.stepNotes!.tokens.join('\n')).toMatch(
      /NaN \(optim\/kl_sample_train_v2\): it could not be computed/
    );
  });

  it('reads 1e400 as infinite', () => {
    const f = run({
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": 1e400}\n'
      )
    });
    expect(f.map(x => x.code)).toEqual(['TD404']);
  });

  it('notes a NaN KL in the tokens step without a finding', () => {
    const input = {
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": NaN}\n'
      )
    };
    expect(run(input)).toEqual([]);
    expect(tokensStep(input).notes?.join()).toMatch(/could not be computed/);
    // Under the step only: the panel and the CLI would show it twice.
    expect(diagnose(input).notes.join()).not.toMatch(/could not be computed/);
  });
});

describe('TD404 finds step 0 with the timing rules’ step keys', () => {
  const kl = (row: string) =>
    run({
      metrics: readMetrics(`{${row}, "optim/kl_sample_train_v1": 0.3}\n`)
    }).map(f => f.code);

  it('reads global_step', () => {
    expect(kl('"global_step": 0')).toEqual(['TD404']);
    // A run logged from step 40 on has no step 0 to judge.
    expect(kl('"global_step": 40')).toEqual([]);
  });

  it('takes "step" before "progress/batch", as stepNumber does', () => {
    expect(kl('"step": 0, "progress/batch": 7')).toEqual(['TD404']);
    expect(kl('"step": 7, "progress/batch": 0')).toEqual([]);
  });
});
