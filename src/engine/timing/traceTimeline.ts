/**
 * A cookbook trace (`trace_events.jsonl`) as timelines the chart can draw:
 * one per training step. The cookbook stamps `step` into the args of the
 * spans it closes inside an iteration; a step's window runs from the first
 * to the last of those spans, and every span that starts inside the window
 * belongs to it. Without any `step`, the whole trace is one timeline.
 *
 * Trace times are `perf_counter` microseconds, not epoch: the timelines
 * keep them as seconds, relative times are what the chart shows.
 */
import { ITimelineRun } from './timeline';
import { ITraceSpan } from './trace';

/** Steps kept (the latest): a chart per step, a list to choose from. */
export const MAX_TRACE_STEPS = 50;

/** Spans kept per step, so a runaway trace cannot flood the chart. */
export const MAX_SPANS_PER_STEP = 2000;

/** Group trace spans into one timeline per step (latest steps). */
export function traceTimelines(spans: ITraceSpan[]): ITimelineRun[] {
  const windows = new Map<number, { start: number; end: number }>();
  for (const s of spans) {
    const step = s.args.step;
    if (typeof step === 'number' && Number.isFinite(step)) {
      const w = windows.get(step);
      windows.set(step, {
        start: Math.min(w?.start ?? Infinity, s.start),
        end: Math.max(w?.end ?? -Infinity, s.end)
      });
    }
  }
  if (windows.size === 0) {
    return spans.length ? [Private.run(spans, null)] : [];
  }
  const steps = [...windows.entries()]
    .sort((a, b) => a[1].start - b[1].start)
    .slice(-MAX_TRACE_STEPS);
  return steps.map(([step, w]) =>
    Private.run(
      spans.filter(s => s.start >= w.start && s.start <= w.end),
      step
    )
  );
}

namespace Private {
  export function run(spans: ITraceSpan[], step: number | null): ITimelineRun {
    const kept = spans.slice(0, MAX_SPANS_PER_STEP);
    const start = Math.min(...kept.map(s => s.start));
    const end = Math.max(...kept.map(s => s.end));
    return {
      cellId: null,
      cellIndex: null,
      run: step ?? 0,
      startedAt: start / 1e6,
      endedAt: end / 1e6,
      requests: kept.map((s, i) => ({
        id: `s${i}`,
        name: s.name,
        qualname: s.thread ?? undefined,
        submitAt: s.start / 1e6,
        resolveAt: s.open ? null : s.end / 1e6
      })),
      waits: [],
      stalls: [],
      dropped: spans.length - kept.length,
      source: 'trace',
      label: step === null ? 'Cookbook trace' : `Cookbook trace, step ${step}`
    };
  }
}
