/**
 * The step model: from metrics rows to per-step timings (the spans measured
 * inside each step, the step's wall time, and the untraced gap between
 * them). Both the timing rules and the step breakdown chart use it.
 *
 * Key forms read (cookbook `IterationWindow.get_timing_metrics`):
 * `time/<span>` for a span seen once, `time/<span>:total|:count|:mean|:max`
 * for a repeated span, and `time/total` for the step's wall time.
 */
import { MetricsRow } from '../types';

/** Keys that number the steps, in the order they are tried. */
const STEP_KEYS = ['step', 'progress/batch', 'progress/step', 'global_step'];

/** Spans may exceed time/total by this factor (rounding) before a note. */
const OVERLAP_SLACK = 1.05;

/** The band name used for the untraced part of a step. */
export const GAP_BAND = '(untraced gap)';

/** One step's timing. Seconds throughout. */
export interface IStepTiming {
  /** The step number from the row, or its 0-based row index. */
  step: number;
  /** `time/total`, or null when the row has none. */
  total: number | null;
  /** Top-level span durations by span name (repeated spans: their total). */
  spans: Record<string, number>;
  /** Sum of `spans`. */
  spanSum: number;
  /** `total - spanSum` clamped at 0, or null without total or spans. */
  gap: number | null;
}

/** The chart's model: one value per step and band. */
export interface IStepBreakdown {
  steps: number[];
  /** Band names, spans first (largest overall first), then `GAP_BAND`. */
  bands: string[];
  /** `values[b][i]`: seconds of band `b` in step `i` (0 when absent). */
  values: number[][];
  /** `time/total` per step (null when absent). */
  totals: (number | null)[];
  /** Remarks (e.g. spans that overlap, so their sum exceeds the total). */
  notes: string[];
  /** Steps per bar (1 unless grouped to fit `maxBars`). */
  perBar: number;
}

/** The step number of a row, or null when it has none. */
export function stepNumber(row: MetricsRow): number | null {
  for (const key of STEP_KEYS) {
    const v = row[key];
    if (typeof v === 'number' && Number.isFinite(v)) {
      return v;
    }
  }
  return null;
}

/**
 * Whether a `time/*` name is a span of the step. Names with a `/` inside
 * (`trajectory_group_worker_loop/total`) and `_min/_max/_mean` statistics
 * (`sampling_time_max`) are aggregates written by other code, not spans:
 * adding them would count the same seconds twice.
 */
export function isSpanName(name: string): boolean {
  return (
    name !== 'total' &&
    name.length > 0 &&
    !name.includes('/') &&
    !/_(min|max|mean|avg|std)$/.test(name)
  );
}

/**
 * Per-step timings of the rows that have any `time/*` number. `offset` is
 * the index of `rows[0]` in the file, when reading it in slices (a row with
 * no step key is numbered by its index).
 */
export function stepTimings(rows: MetricsRow[], offset = 0): IStepTiming[] {
  const out: IStepTiming[] = [];
  rows.forEach((row, index) => {
    const timing = Private.timingOf(row, stepNumber(row) ?? offset + index);
    if (timing) {
      out.push(timing);
    }
  });
  return out;
}

/**
 * Stack the spans of each step, with the gap between `time/total` and the
 * sum of spans as its own band. With more than `maxBars` steps, consecutive
 * steps are grouped and each bar shows their mean (labelled by its first
 * step), so a 100,000-step run still draws a few hundred bars.
 */
export function stepBreakdown(
  timings: IStepTiming[],
  maxBars = Infinity
): IStepBreakdown {
  const perBar = barSize(timings.length, maxBars);
  return breakdownOf(binTimings(timings, perBar), {
    steps: timings.length,
    perBar,
    overlapping: countOverlapping(timings)
  });
}

/** Steps per bar so that `steps` fit in `maxBars` bars. */
export function barSize(steps: number, maxBars: number): number {
  return Math.max(1, Math.ceil(steps / Math.max(1, maxBars)));
}

/** Steps whose spans add up to more than their `time/total`. */
export function countOverlapping(timings: IStepTiming[]): number {
  let n = 0;
  for (const t of timings) {
    if (t.total !== null && t.spanSum > t.total * OVERLAP_SLACK) {
      n++;
    }
  }
  return n;
}

/**
 * Group consecutive steps by `perBar`: each group becomes one timing with
 * the mean spans (absent spans count as 0), mean total and mean gap, and
 * the step number of its first step.
 */
export function binTimings(
  timings: IStepTiming[],
  perBar: number
): IStepTiming[] {
  return perBar > 1 ? Private.bin(timings, perBar) : timings;
}

/**
 * The chart model of (possibly grouped) timings. `info` describes the steps
 * before grouping, for the notes.
 */
export function breakdownOf(
  bars: IStepTiming[],
  info: { steps: number; perBar: number; overlapping: number }
): IStepBreakdown {
  const overall = new Map<string, number>();
  for (const t of bars) {
    for (const name in t.spans) {
      overall.set(name, (overall.get(name) ?? 0) + t.spans[name]);
    }
  }
  const names = [...overall.keys()].sort(
    (a, b) => overall.get(b)! - overall.get(a)! || a.localeCompare(b)
  );
  const hasGap = bars.some(t => t.gap !== null);
  const bands = hasGap ? [...names, GAP_BAND] : names;
  const values = bands.map(band =>
    bars.map(t => (band === GAP_BAND ? (t.gap ?? 0) : (t.spans[band] ?? 0)))
  );
  // Steps with only time/total: show the total as one band so they are
  // still visible.
  if (names.length === 0 && bars.some(t => t.total !== null)) {
    bands.push('total');
    values.push(bars.map(t => t.total ?? 0));
  }
  const notes: string[] = [];
  if (info.overlapping > 0) {
    notes.push(
      `In ${info.overlapping} step(s) the spans add up to more than ` +
        'time/total: some spans are nested or run concurrently, so the gap ' +
        'is shown as 0.'
    );
  }
  if (info.perBar > 1) {
    notes.push(
      `${info.steps} steps: each bar shows the mean of ${info.perBar} ` +
        'consecutive steps.'
    );
  }
  return {
    steps: bars.map(t => t.step),
    bands,
    values,
    totals: bars.map(t => t.total),
    notes,
    perBar: info.perBar
  };
}

namespace Private {
  /** Group consecutive steps by `perBar`: mean spans, total and gap. */
  export function bin(timings: IStepTiming[], perBar: number): IStepTiming[] {
    const out: IStepTiming[] = [];
    for (let i = 0; i < timings.length; i += perBar) {
      const end = Math.min(timings.length, i + perBar);
      const count = end - i;
      const spans: Record<string, number> = {};
      let spanSum = 0;
      let total = 0;
      let totals = 0;
      let gap = 0;
      let gaps = 0;
      for (let k = i; k < end; k++) {
        const t = timings[k];
        for (const name in t.spans) {
          spans[name] = (spans[name] ?? 0) + t.spans[name];
        }
        spanSum += t.spanSum;
        if (t.total !== null) {
          total += t.total;
          totals++;
        }
        if (t.gap !== null) {
          gap += t.gap;
          gaps++;
        }
      }
      for (const name in spans) {
        spans[name] /= count;
      }
      out.push({
        step: timings[i].step,
        total: totals ? total / totals : null,
        spans,
        spanSum: spanSum / count,
        gap: gaps ? gap / gaps : null
      });
    }
    return out;
  }

  export function timingOf(row: MetricsRow, step: number): IStepTiming | null {
    let total: number | null = null;
    const singles: Record<string, number> = {};
    const repeated: Record<string, Record<string, number>> = {};
    for (const [key, v] of Object.entries(row)) {
      if (!key.startsWith('time/') || typeof v !== 'number') {
        continue;
      }
      if (!Number.isFinite(v)) {
        continue;
      }
      const name = key.slice(5);
      if (name === 'total') {
        total = v;
        continue;
      }
      const colon = name.lastIndexOf(':');
      if (colon > 0) {
        const base = name.slice(0, colon);
        const stat = name.slice(colon + 1);
        (repeated[base] ??= {})[stat] = v;
      } else {
        singles[name] = v;
      }
    }
    const spans: Record<string, number> = {};
    for (const [name, v] of Object.entries(singles)) {
      if (isSpanName(name)) {
        spans[name] = v;
      }
    }
    for (const [name, stats] of Object.entries(repeated)) {
      if (!isSpanName(name) || name in spans) {
        continue;
      }
      const value =
        stats.total ??
        (stats.mean !== undefined && stats.count !== undefined
          ? stats.mean * stats.count
          : undefined);
      if (value !== undefined) {
        spans[name] = value;
      }
    }
    const names = Object.keys(spans);
    if (total === null && names.length === 0) {
      return null;
    }
    const spanSum = names.reduce((sum, n) => sum + spans[n], 0);
    const gap =
      total !== null && names.length > 0 ? Math.max(0, total - spanSum) : null;
    return { step, total, spans, spanSum, gap };
  }
}
