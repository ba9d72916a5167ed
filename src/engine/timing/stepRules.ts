/**
 * Step-timing findings from `metrics.jsonl`: warm-up (TD130), untraced gaps
 * (TD131), data loading that dominates (TD132) and steady-state variation
 * (TD133).
 */
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import { IStepTiming } from './steps';

/** The first step counts as warm-up when this many times the steady median. */
export const WARMUP_RATIO = 2;

/** Steady steps needed after the first before warm-up is judged. */
export const MIN_STEPS_AFTER_WARMUP = 2;

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

/**
 * Spans that run every N steps (evals, checkpoints): the steps that contain
 * them are expected to be slower, so they are left out of TD133.
 */
const PERIODIC_SPAN = new RegExp(
  '(^|_)(evals?|run_evals|infrequent_evals|save_checkpoint|checkpoint|' +
    'save_state|save_weights\\w*)$'
);

/** Run the four step-timing checks over timings in file order. */
export function stepFindings(timings: IStepTiming[]): IFinding[] {
  const findings: IFinding[] = [];
  const warmup = Private.warmup(timings);
  if (warmup) {
    findings.push(warmup);
  }
  // Steady state: everything after the first step, whether or not it was
  // slow enough for TD130 (a mild warm-up still skews the spread).
  const steady = timings.length > 1 ? timings.slice(1) : timings;
  for (const check of [Private.gap, Private.dataLoading, Private.variation]) {
    const finding = check(steady);
    if (finding) {
      findings.push(finding);
    }
  }
  return findings;
}

namespace Private {
  export function duration(t: IStepTiming): number | null {
    if (t.total !== null) {
      return t.total;
    }
    return Object.keys(t.spans).length > 0 ? t.spanSum : null;
  }

  export function median(values: number[]): number {
    const s = [...values].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  }

  export function sec(v: number): string {
    return v >= 100 ? `${v.toFixed(0)} s` : `${v.toFixed(1)} s`;
  }

  export function pct(v: number): string {
    return `${Math.round(v * 100)}%`;
  }

  export function warmup(timings: IStepTiming[]): IFinding | null {
    if (timings.length < 1 + MIN_STEPS_AFTER_WARMUP) {
      return null;
    }
    const first = duration(timings[0]);
    const rest = timings
      .slice(1)
      .map(duration)
      .filter((v): v is number => v !== null);
    if (first === null || rest.length < MIN_STEPS_AFTER_WARMUP) {
      return null;
    }
    const typical = median(rest);
    if (typical <= 0 || first < WARMUP_RATIO * typical) {
      return null;
    }
    return makeFinding('TD130', {
      evidence:
        `Step ${timings[0].step} took ${sec(first)}; the ${rest.length} ` +
        `steps after it take ${sec(typical)} (median), ` +
        `${(first / typical).toFixed(1)}x less.`
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
          shares.set(name, [...(shares.get(name) ?? []), share]);
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

  export function variation(steady: IStepTiming[]): IFinding | null {
    const core: { step: number; v: number }[] = [];
    let periodic = 0;
    for (const t of steady) {
      const whole = duration(t);
      if (whole === null) {
        continue;
      }
      const extra = Object.entries(t.spans)
        .filter(([name]) => PERIODIC_SPAN.test(name))
        .reduce((sum, [, v]) => sum + v, 0);
      if (extra > 0) {
        periodic++;
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
    let evidence =
      `Steady steps (first step left out as warm-up) take ${sec(min)} to ` +
      `${sec(max)} (${ratio}, median ${sec(median(values))}) over ` +
      `${core.length} steps; slowest: ${slowest}.`;
    if (periodic > 0) {
      evidence +=
        ` Periodic spans (evals, checkpoints) in ${periodic} step(s) were ` +
        'subtracted first.';
    }
    const varying = mostVaryingSpan(steady);
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

  function mostVaryingSpan(timings: IStepTiming[]): string | null {
    let best: string | null = null;
    let bestRange = 0;
    const names = new Set(timings.flatMap(t => Object.keys(t.spans)));
    for (const name of names) {
      if (PERIODIC_SPAN.test(name)) {
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
