/**
 * Step-timing findings from `metrics.jsonl`: warm-up (TD130), untraced gaps
 * (TD131), data loading that dominates (TD132) and steady-state variation
 * (TD133). Telling warm-up from periodic slow steps is in `slowSteps.ts`.
 */
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import {
  duration,
  findWarmup,
  IRecurring,
  IWarmup,
  median,
  periodicSpans,
  recurringSlowSteps
} from './slowSteps';
import { IStepTiming } from './steps';

export { WARMUP_RATIO, MIN_STEPS_AFTER_WARMUP } from './slowSteps';

/** Untraced share of a step worth reporting: a quarter is not noise. */
export const GAP_FRACTION = 0.25;

/** Below this many untraced seconds per step a gap is not worth a look. */
export const MIN_GAP_SECONDS = 0.5;

/** Data loading "dominates" at this share of the step (and is the top span). */
export const DATA_SHARE = 0.4;

/** Steady steps needed to judge variation (fewer prove nothing). */
export const MIN_STEADY_STEPS = 3;

/** Coefficient of variation above which steady steps "vary widely". */
export const VARIATION_CV = 0.25;

/** ...and the slowest steady step must be this many times the fastest. */
export const VARIATION_RATIO = 1.5;

/** Span names that are data loading (cookbook `get_batch` and kin). */
const DATA_SPAN = new RegExp(
  '(^|_)(get_batch|get_next_batch|load_batch|next_batch|fetch_batch|' +
    'data_?load(ing|er)?|get_data)$'
);

/** Run the four step-timing checks over timings in file order. */
export function stepFindings(timings: IStepTiming[]): IFinding[] {
  const findings: IFinding[] = [];
  const warmup = findWarmup(timings);
  if (warmup) {
    findings.push(Private.warmupFinding(timings, warmup));
  }
  // Steady state: everything after the warm-up, or after the first step
  // when it was not slow enough for TD130 (a mild warm-up still skews the
  // spread).
  const skip = Math.max(1, warmup?.count ?? 0);
  const steady = timings.length > skip ? timings.slice(skip) : timings;
  const recurring = recurringSlowSteps(timings, warmup?.count ?? 0);
  for (const check of [Private.gap, Private.dataLoading]) {
    const finding = check(steady);
    if (finding) {
      findings.push(finding);
    }
  }
  const variation = Private.variation(steady, {
    warmup,
    recurring,
    periodic: periodicSpans(timings)
  });
  if (variation) {
    findings.push(variation);
  }
  return findings;
}

namespace Private {
  export function sec(v: number): string {
    return v >= 100 ? `${v.toFixed(0)} s` : `${v.toFixed(1)} s`;
  }

  export function pct(v: number): string {
    return `${Math.round(v * 100)}%`;
  }

  export function warmupFinding(
    timings: IStepTiming[],
    warmup: IWarmup
  ): IFinding {
    const { count, slow, typical, steady } = warmup;
    const which =
      count === 1
        ? `Step ${timings[0].step} took ${sec(slow[0])}`
        : `Steps ${timings[0].step}–${timings[count - 1].step} took ` +
          slow.map(sec).join(', ');
    const peak = Math.max(...slow);
    return makeFinding('TD130', {
      evidence:
        `${which}; the ${steady} steps after the first take ` +
        `${sec(typical)} (median), ${(peak / typical).toFixed(1)}x less, ` +
        'and no later step is that slow again.'
    });
  }

  export function gap(steady: IStepTiming[]): IFinding | null {
    const withGap = steady.filter(
      t => t.gap !== null && t.total !== null && t.total > 0
    );
    if (withGap.length === 0) {
      return null;
    }
    const fraction = median(withGap.map(t => t.gap! / t.total!));
    const seconds = median(withGap.map(t => t.gap!));
    if (fraction < GAP_FRACTION || seconds < MIN_GAP_SECONDS) {
      return null;
    }
    const total = median(withGap.map(t => t.total!));
    const spans = median(withGap.map(t => t.spanSum));
    const spanText = topSpans(withGap)
      .map(([name, v]) => `${name} ${sec(v)}`)
      .join(', ');
    return makeFinding('TD131', {
      evidence:
        `Per step (median of ${withGap.length}): time/total ${sec(total)}, ` +
        `measured spans ${sec(spans)}, untraced ${sec(seconds)} ` +
        `(${pct(fraction)}). Spans: ${spanText}.`
    });
  }

  export function dataLoading(steady: IStepTiming[]): IFinding | null {
    const shares = new Map<string, number[]>();
    for (const t of steady) {
      const whole = duration(t);
      if (!whole || whole <= 0) {
        continue;
      }
      const top = Object.entries(t.spans).sort((a, b) => b[1] - a[1])[0];
      for (const [name, v] of Object.entries(t.spans)) {
        if (DATA_SPAN.test(name)) {
          // A data span that is not the largest counts as share 0 here:
          // "dominates" means it is the biggest part of the step.
          const share = top && top[0] === name ? v / whole : 0;
          const list = shares.get(name);
          if (list) {
            list.push(share);
          } else {
            shares.set(name, [share]);
          }
        }
      }
    }
    for (const [name, list] of shares) {
      const share = median(list);
      if (share >= DATA_SHARE) {
        const secs = median(
          steady.map(t => t.spans[name]).filter(v => v !== undefined)
        );
        return makeFinding('TD132', {
          evidence:
            `time/${name} takes ${sec(secs)}, ${pct(share)} of the step ` +
            `(median of ${list.length} steps), more than any other span.`
        });
      }
    }
    return null;
  }

  /** What the variation check knows of the whole run. */
  export interface IRunShape {
    warmup: IWarmup | null;
    recurring: IRecurring | null;
    /** Spans of periodic work (evals, checkpoints), left out. */
    periodic: ReadonlySet<string>;
  }

  export function variation(
    steady: IStepTiming[],
    { warmup, recurring, periodic }: IRunShape
  ): IFinding | null {
    const core: { step: number; v: number }[] = [];
    let withPeriodic = 0;
    for (const t of steady) {
      const whole = duration(t);
      if (whole === null) {
        continue;
      }
      const extra = Object.entries(t.spans)
        .filter(([name]) => periodic.has(name))
        .reduce((sum, [, v]) => sum + v, 0);
      if (extra > 0) {
        withPeriodic++;
      }
      core.push({ step: t.step, v: Math.max(0, whole - extra) });
    }
    if (core.length < MIN_STEADY_STEPS) {
      return null;
    }
    const values = core.map(c => c.v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(
      values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length
    );
    const min = Math.min(...values);
    const max = Math.max(...values);
    if (mean <= 0 || sd / mean < VARIATION_CV) {
      return null;
    }
    if (min > 0 && max / min < VARIATION_RATIO) {
      return null;
    }
    const slowest = [...core]
      .sort((a, b) => b.v - a.v)
      .slice(0, 3)
      .map(c => `${c.step} (${sec(c.v)})`)
      .join(', ');
    const ratio = min > 0 ? `${(max / min).toFixed(1)}x` : 'from 0';
    const left = warmup
      ? `${warmup.count === 1 ? 'first step' : `first ${warmup.count} steps`}` +
        ' left out as warm-up'
      : 'first step left out';
    let evidence =
      `Steady steps (${left}) take ${sec(min)} to ` +
      `${sec(max)} (${ratio}, median ${sec(median(values))}) over ` +
      `${core.length} steps; slowest: ${slowest}.`;
    if (withPeriodic > 0) {
      evidence +=
        ' Periodic spans (evals, checkpoints) in ' +
        `${withPeriodic} step(s) were subtracted first.`;
    }
    if (recurring) {
      const shown = recurring.steps.slice(0, 4).join(', ');
      const more = recurring.steps.length > 4 ? ', …' : '';
      evidence +=
        ` The slow steps recur every ${recurring.every} steps ` +
        `(${shown}${more}): periodic work such as an eval or a checkpoint ` +
        'that is not timed as its own span; give it a span (time/<name>) ' +
        'to tell it from the training step.';
    }
    const varying = mostVaryingSpan(steady, periodic);
    if (varying) {
      evidence += ` The span that varies most is ${varying}.`;
    }
    return makeFinding('TD133', { evidence });
  }

  function topSpans(timings: IStepTiming[]): [string, number][] {
    const names = new Set(timings.flatMap(t => Object.keys(t.spans)));
    return [...names]
      .map(
        name =>
          [name, median(timings.map(t => t.spans[name] ?? 0))] as [
            string,
            number
          ]
      )
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4);
  }

  function mostVaryingSpan(
    timings: IStepTiming[],
    periodic: ReadonlySet<string>
  ): string | null {
    let best: string | null = null;
    let bestRange = 0;
    const names = new Set(timings.flatMap(t => Object.keys(t.spans)));
    for (const name of names) {
      if (periodic.has(name)) {
        continue;
      }
      const vs = timings.map(t => t.spans[name] ?? 0);
      const range = Math.max(...vs) - Math.min(...vs);
      if (range > bestRange) {
        bestRange = range;
        best = `time/${name} (${sec(Math.min(...vs))} to ${sec(
          Math.max(...vs)
        )})`;
      }
    }
    return best;
  }
}
