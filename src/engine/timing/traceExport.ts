/**
 * Export the agent's timeline as Chrome trace-event JSON (the object form,
 * `{traceEvents, displayTimeUnit}`), which Perfetto (ui.perfetto.dev) and
 * chrome://tracing open.
 *
 * Layout: one "process" per cell run; in it one thread per request lane,
 * one for the main thread's waits and one for GIL stalls. Complete events
 * (`X`) carry the durations; metadata (`M`) names processes and threads.
 * Times are microseconds from the first run's start; the epoch start is in
 * the process's args.
 */
import { ITraceEvent } from './trace';
import { ITimelineBar, ITimelineRun, timelineBars } from './timeline';

/** A trace file in the JSON object format. */
export interface ITraceFile {
  traceEvents: ITraceEvent[];
  displayTimeUnit: 'ms';
  otherData: Record<string, string>;
}

/** Thread ids: waits and stalls first, request lanes after. */
const TID_WAITS = 1;
const TID_STALLS = 2;
const TID_REQUESTS = 10;

/** Build the trace of some cell runs. */
export function timelineToTrace(runs: ITimelineRun[]): ITraceFile {
  const events: ITraceEvent[] = [];
  const t0 = runs.length ? Math.min(...runs.map(r => r.startedAt)) : 0;
  runs.forEach((run, index) => {
    const pid = index + 1;
    const offset = (run.startedAt - t0) * 1e6;
    const label = run.cellId
      ? `cell ${run.cellIndex ?? run.cellId} run ${run.run}`
      : `run ${run.run}`;
    events.push(
      Private.meta('process_name', pid, 0, label),
      Private.meta('process_sort_index', pid, 0, undefined, pid)
    );
    const bars = timelineBars(run);
    const tids = new Set<number>();
    for (const bar of bars) {
      const tid = Private.tid(bar);
      if (!tids.has(tid)) {
        tids.add(tid);
        events.push(Private.meta('thread_name', pid, tid, Private.track(bar)));
      }
      events.push({
        name: bar.name,
        ph: 'X',
        cat: bar.kind,
        pid,
        tid,
        ts: Private.round(offset + bar.start * 1e6),
        dur: Private.round((bar.end - bar.start) * 1e6),
        args: {
          kind: bar.kind,
          open: bar.open,
          cellId: run.cellId,
          runStartedAtEpoch: run.startedAt
        }
      });
    }
  });
  return {
    traceEvents: events,
    displayTimeUnit: 'ms',
    otherData: { producer: 'tinker-doctor' }
  };
}

/** The trace as text, ready for a file download. */
export function timelineTraceJson(runs: ITimelineRun[]): string {
  return JSON.stringify(timelineToTrace(runs));
}

namespace Private {
  export function tid(bar: ITimelineBar): number {
    switch (bar.kind) {
      case 'wait':
        return TID_WAITS;
      case 'stall':
        return TID_STALLS;
      default:
        return TID_REQUESTS + bar.lane;
    }
  }

  export function track(bar: ITimelineBar): string {
    switch (bar.kind) {
      case 'wait':
        return 'main thread: waits';
      case 'stall':
        return 'GIL stalls';
      default:
        return `Tinker requests ${bar.lane + 1}`;
    }
  }

  export function meta(
    name: string,
    pid: number,
    tid: number,
    label?: string,
    sortIndex?: number
  ): ITraceEvent {
    return {
      name,
      ph: 'M',
      pid,
      tid,
      ts: 0,
      args: label !== undefined ? { name: label } : { sort_index: sortIndex }
    };
  }

  /** Whole microseconds keep the file small; sub-µs detail is noise. */
  export function round(us: number): number {
    return Math.round(us);
  }
}
