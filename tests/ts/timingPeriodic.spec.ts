import { timingRules } from '../../src/engine/timing';
import { readMetrics } from '../../src/engine/timing/metrics';
import { stepTimings } from '../../src/engine/timing/steps';
import {
  findWarmup,
  periodicSpans,
  recurringSlowSteps
} from '../../src/engine/timing/slowSteps';
import { IDiagnosisInput, IFinding, MetricsRow } from '../../src/engine/types';

function metrics(rows: MetricsRow[]): IDiagnosisInput {
  return {
    metrics: readMetrics(rows.map(r => JSON.stringify(r)).join('\n'))
  };
}

function run(rows: MetricsRow[]): IFinding[] {
  return timingRules.run(metrics(rows)).findings;
}

function codes(rows: MetricsRow[]): string[] {
  return run(rows).map(f => f.code);
}

/** Rows with only time/total. */
function totals(values: number[], first = 0): MetricsRow[] {
  return values.map((t, i) => ({ step: first + i, 'time/total': t }));
}

/**
 * SFT-like rows: a step span and get_batch, plus `extra` seconds in span
 * `span` on the steps `every` apart from 0 (an eval at step % every == 0).
 */
function withPeriodic(
  n: number,
  every: number,
  span: string,
  extra: number,
  first: number[] = []
): MetricsRow[] {
  return Array.from({ length: n }, (_, step) => {
    const base = 10 + (step % 2) * 0.2 + (first[step] ?? 0);
    const periodic = step % every === 0;
    return {
      step,
      'time/get_batch': 0.3,
      'time/step': base - 0.3,
      ...(periodic ? { [`time/${span}`]: extra } : {}),
      'time/total': base + (periodic ? extra : 0)
    };
  });
}

describe('TD130 is only warm-up, never periodic slow steps', () => {
  it('does not call step 0 warm-up when every 5th step is as slow (time/total only)', () => {
    const rows = totals([30, 10, 10.2, 9.9, 10, 30.5, 10, 10.1, 9.8, 10, 29.8]);
    expect(codes(rows)).not.toContain('TD130');
  });

  it('reports untimed periodic slow steps as steady-state variation with their interval', () => {
    const rows = totals([30, 10, 10.2, 9.9, 10, 30.5, 10, 10.1, 9.8, 10, 29.8]);
    const found = run(rows);
    expect(found.map(f => f.code)).toEqual(['TD133']);
    expect(found[0].evidence).toMatch(/recur every 5 steps \(0, 5, 10\)/);
    expect(found[0].evidence).not.toMatch(/warm-up/);
  });

  it('reports nothing when an eval span every N steps (from step 0) explains the slow steps', () => {
    for (const span of ['run_evals', 'evals', 'save_checkpoint']) {
      expect(codes(withPeriodic(12, 4, span, 25))).toEqual([]);
    }
  });

  it('recognises a periodic span by its interval whatever its name', () => {
    const rows = withPeriodic(13, 3, 'validation_pass', 40);
    expect(periodicSpans(stepTimings(rows)).has('validation_pass')).toBe(true);
    expect(codes(rows)).toEqual([]);
  });

  it('keeps warm-up when step 0 is slow on top of its periodic eval', () => {
    const rows = withPeriodic(11, 5, 'run_evals', 20, [90]);
    const found = run(rows);
    expect(found.map(f => f.code)).toEqual(['TD130']);
    expect(found[0].evidence).toMatch(/Step 0 took 100 s/);
  });

  it('keeps warm-up when step 0 is far slower than the untimed periodic steps', () => {
    const rows = totals([
      150, 10, 10.2, 9.9, 10, 30.5, 10, 10.1, 9.8, 10, 29.8, 10, 10, 10, 10, 30
    ]);
    const found = run(rows);
    expect(found.map(f => f.code)).toEqual(['TD130', 'TD133']);
    expect(found[1].evidence).toMatch(/first step left out as warm-up/);
    expect(found[1].evidence).toMatch(/recur every 5 steps \(5, 10, 15\)/);
  });

  it('does not call step 0 warm-up when a later step is as slow, periodic or not', () => {
    const rows = totals([30, 10, 10.2, 9.9, 10, 10, 10.1, 27, 9.8, 10]);
    expect(codes(rows)).not.toContain('TD130');
    expect(recurringSlowSteps(stepTimings(rows))).toBeNull();
  });

  it('counts the first few slow steps together as warm-up', () => {
    const found = run(totals([60, 40, 10, 10.2, 9.9, 10, 10.1, 9.8]));
    expect(found.map(f => f.code)).toEqual(['TD130']);
    expect(found[0].evidence).toMatch(/Steps 0–1 took 60\.0 s, 40\.0 s/);
  });

  it('does not call a long slow start warm-up', () => {
    const rows = totals([50, 50, 49, 51, 10, 10.2, 9.9, 10]);
    expect(findWarmup(stepTimings(rows))).toBeNull();
  });

  it('keeps warm-up whose extra time is in a span only the first step has', () => {
    const rows = [
      { step: 0, 'time/compile': 80, 'time/step': 10, 'time/total': 90 },
      ...[1, 2, 3, 4].map(step => ({
        step,
        'time/step': 10,
        'time/total': 10
      }))
    ];
    expect(codes(rows)).toEqual(['TD130']);
  });

  it('does not treat a span that comes and goes irregularly as periodic', () => {
    const steps = [0, 1, 2, 3, 4, 5, 6, 7];
    const rows = steps.map(step => ({
      step,
      'time/step': 10,
      ...([1, 2, 6].includes(step) ? { 'time/retry_wait': 5 } : {}),
      'time/total': 10
    }));
    expect(periodicSpans(stepTimings(rows)).size).toBe(0);
  });
});
