/**
 * Tell warm-up from slow steps that recur. Warm-up (TD130) is the first
 * step or first few steps being slow, then never again. Steps slowed by
 * work that runs every N steps (an eval or a checkpoint at `step % N == 0`,
 * which includes step 0) are not warm-up, even when step 0 is one of them.
 *
 * Periodic work is recognised two ways: by its span (a `time/*` span named
 * like an eval or checkpoint, or any span present only every N steps),
 * whose seconds are taken out before steps are compared; and, when it is
 * not timed as a span, by the slowness itself recurring after the first
 * steps at a similar size.
 */
import { IStepTiming } from './steps';

/** The first step counts as warm-up when this many times the steady median. */
export const WARMUP_RATIO = 2;

/** Steady steps needed after the first before warm-up is judged. */
export const MIN_STEPS_AFTER_WARMUP = 2;

/** Most leading steps that may be slow and still count as warm-up. */
export const MAX_WARMUP_STEPS = 3;

/**
 * Spans that run every N steps (evals, checkpoints): the steps that contain
 * them are expected to be slower.
 */
export const PERIODIC_SPAN = new RegExp(
  '(^|_)(evals?|run_evals|infrequent_evals|save_checkpoint|checkpoint|' +
    'save_state|save_weights\\w*)$'
);

/** What the warm-up check found. */
export interface IWarmup {
  /** How many leading steps are warm-up (at least 1). */
  count: number;
  /** Their durations, without periodic spans. */
  slow: number[];
  /** Median duration of the steps after the first, without periodic spans. */
  typical: number;
  /** How many steps the median is of. */
  steady: number;
}

/** Slow steps that recur at a fixed interval. */
export interface IRecurring {
  /** The slow steps' numbers. */
  steps: number[];
  /** Steps between two of them. */
  every: number;
}

/** A step's wall time: `time/total`, else the sum of its spans. */
export function duration(t: IStepTiming): number | null {
  if (t.total !== null) {
    return t.total;
  }
  return Object.keys(t.spans).length > 0 ? t.spanSum : null;
}

/** The median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Names of the spans that are periodic work in these timings: named like
 * an eval or checkpoint, or present (non-zero) in some steps only, at
 * least twice, at a fixed interval of two steps or more. A span only the
 * first step has is part of warm-up; one that comes and goes irregularly
 * is variation (TD133): neither is periodic.
 */
export function periodicSpans(timings: IStepTiming[]): Set<string> {
  const at = new Map<string, number[]>();
  for (const t of timings) {
    for (const [name, v] of Object.entries(t.spans)) {
      if (v > 0) {
        const list = at.get(name);
        if (list) {
          list.push(t.step);
        } else {
          at.set(name, [t.step]);
        }
      }
    }
  }
  const out = new Set<string>();
  for (const [name, steps] of at) {
    if (PERIODIC_SPAN.test(name) || Private.everyN(steps, timings.length, 2)) {
      out.add(name);
    }
  }
  return out;
}

/** A step's duration without its periodic spans, or null. */
export function coreDuration(
  t: IStepTiming,
  periodic: ReadonlySet<string>
): number | null {
  const whole = duration(t);
  if (whole === null) {
    return null;
  }
  let extra = 0;
  for (const [name, v] of Object.entries(t.spans)) {
    if (periodic.has(name)) {
      extra += v;
    }
  }
  return Math.max(0, whole - extra);
}

/**
 * The warm-up at the start of these timings, or null. Warm-up is a run of
 * at most `MAX_WARMUP_STEPS` leading steps, each `WARMUP_RATIO` times the
 * median of the steps after the first (periodic spans taken out), and no
 * later step as slow as about half the slowest of them: slowness that
 * comes back is periodic work or variation, not warm-up.
 */
export function findWarmup(timings: IStepTiming[]): IWarmup | null {
  if (timings.length < 1 + MIN_STEPS_AFTER_WARMUP) {
    return null;
  }
  const periodic = periodicSpans(timings);
  const core = timings.map(t => coreDuration(t, periodic));
  const rest = core.slice(1).filter((v): v is number => v !== null);
  if (core[0] === null || rest.length < MIN_STEPS_AFTER_WARMUP) {
    return null;
  }
  const typical = median(rest);
  const isSlow = (v: number | null): boolean =>
    v !== null && typical > 0 && v >= WARMUP_RATIO * typical;
  if (!isSlow(core[0])) {
    return null;
  }
  let count = 1;
  while (count < core.length && isSlow(core[count])) {
    count++;
  }
  if (count > MAX_WARMUP_STEPS || count > (timings.length - count) / 2) {
    // A long slow start is a change of pace, not warm-up.
    return null;
  }
  const slow = core.slice(0, count) as number[];
  const peak = Math.max(...slow);
  const recurs = core
    .slice(count)
    .some(v => isSlow(v) && v! * WARMUP_RATIO >= peak);
  if (recurs) {
    return null;
  }
  return { count, slow, typical, steady: rest.length };
}

/**
 * The slow steps (periodic spans taken out, `WARMUP_RATIO` times the
 * median) when there are at least three after the warm-up and they come
 * at a fixed interval of two steps or more; otherwise null (two slow steps
 * are always "a fixed interval" apart and prove nothing).
 */
export function recurringSlowSteps(
  timings: IStepTiming[],
  skip = 0
): IRecurring | null {
  const periodic = periodicSpans(timings);
  const list = timings
    .slice(skip)
    .map(t => ({ step: t.step, v: coreDuration(t, periodic) }))
    .filter((x): x is { step: number; v: number } => x.v !== null);
  if (list.length < 3) {
    return null;
  }
  const typical = median(list.map(x => x.v));
  const steps = list
    .filter(x => typical > 0 && x.v >= WARMUP_RATIO * typical)
    .map(x => x.step);
  return Private.everyN(steps, list.length, 3)
    ? { steps, every: steps[1] - steps[0] }
    : null;
}

namespace Private {
  /**
   * Whether steps (in file order) at which something happened are a
   * fixed interval of two or more apart, at least `min` times, and not
   * every step of `total`.
   */
  export function everyN(steps: number[], total: number, min: number): boolean {
    if (steps.length < Math.max(2, min) || steps.length >= total) {
      return false;
    }
    const every = steps[1] - steps[0];
    return (
      every >= 2 && steps.every((s, i) => i === 0 || s - steps[i - 1] === every)
    );
  }
}
