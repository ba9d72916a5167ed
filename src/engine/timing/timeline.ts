/**
 * The agent's own timeline of a cell run (what
 * `_tinker_doctor.timeline.export()` returns in the kernel): Tinker requests
 * from submit to resolve, the main thread's waits on them, and GIL stalls.
 * Times are epoch seconds.
 */

/** One Tinker request seen as a task on the SDK loop. */
export interface ITimelineRequest {
  /** Stable within the run. */
  id: string;
  /** Short label (`forward_backward`, `optim_step`, `sample`, ...). */
  name: string;
  /** The coroutine's qualified name, for the curious. */
  qualname?: string;
  submitAt: number;
  /** Null while still pending. */
  resolveAt: number | null;
}

/** The main thread blocked on a future's `result` (or awaiting it). */
export interface ITimelineWait {
  start: number;
  end: number | null;
  /** What it waited in, e.g. `APIFuture.result`. */
  what: string;
  line?: number | null;
}

/** A GIL stall reported by the watchdog. */
export interface ITimelineStall {
  startedAt: number;
  durationMs: number;
  ongoing?: boolean;
  line?: number | null;
}

/** The timeline of one cell run. */
export interface ITimelineRun {
  cellId: string | null;
  cellIndex?: number | null;
  /** Sequence number of the run in the kernel (1-based). */
  run: number;
  startedAt: number;
  endedAt: number | null;
  requests: ITimelineRequest[];
  waits: ITimelineWait[];
  stalls: ITimelineStall[];
  /** Items left out to bound memory. */
  dropped?: number;
  /** Where it comes from: the agent (default) or a cookbook trace file. */
  source?: 'agent' | 'trace';
  /** A name for lists (trace steps have no cell). */
  label?: string;
}

/** A bar on the timeline chart or a slice in a trace, in seconds. */
export interface ITimelineBar {
  kind: 'request' | 'wait' | 'stall';
  name: string;
  /** Seconds from the run's start. */
  start: number;
  end: number;
  /** Lane within its kind (overlapping requests get separate lanes). */
  lane: number;
  /** True when the item had not ended when the timeline was taken. */
  open: boolean;
}

/**
 * Validate and normalise `export()` output (untrusted: it crossed the comm).
 * Malformed items are dropped, never thrown.
 */
export function readTimeline(value: unknown): ITimelineRun[] {
  if (!Array.isArray(value)) {
    return [];
  }
  const runs: ITimelineRun[] = [];
  for (const raw of value) {
    if (!raw || typeof raw !== 'object' || !Private.num(raw.startedAt)) {
      continue;
    }
    runs.push({
      cellId: typeof raw.cellId === 'string' ? raw.cellId : null,
      cellIndex: Private.num(raw.cellIndex) ? raw.cellIndex : null,
      run: Private.num(raw.run) ? raw.run : runs.length + 1,
      startedAt: raw.startedAt,
      endedAt: Private.num(raw.endedAt) ? raw.endedAt : null,
      requests: Private.list(raw.requests)
        .filter(r => Private.num(r.submitAt))
        .map((r, i) => ({
          id: String(r.id ?? i),
          name: String(r.name ?? 'request'),
          qualname: typeof r.qualname === 'string' ? r.qualname : undefined,
          submitAt: r.submitAt,
          resolveAt: Private.num(r.resolveAt) ? r.resolveAt : null
        })),
      waits: Private.list(raw.waits)
        .filter(w => Private.num(w.start))
        .map(w => ({
          start: w.start,
          end: Private.num(w.end) ? w.end : null,
          what: String(w.what ?? 'wait'),
          line: Private.num(w.line) ? w.line : null
        })),
      stalls: Private.list(raw.stalls)
        .filter(s => Private.num(s.startedAt) && Private.num(s.durationMs))
        .map(s => ({
          startedAt: s.startedAt,
          durationMs: s.durationMs,
          ongoing: s.ongoing === true,
          line: Private.num(s.line) ? s.line : null
        })),
      dropped: Private.num(raw.dropped) ? raw.dropped : 0
    });
  }
  return runs;
}

/**
 * The bars of one run, times relative to its start. Open items end at the
 * run's end or, while it runs, at the latest time seen.
 */
export function timelineBars(run: ITimelineRun): ITimelineBar[] {
  const latest = Math.max(
    run.endedAt ?? run.startedAt,
    ...run.requests.map(r => r.resolveAt ?? r.submitAt),
    ...run.waits.map(w => w.end ?? w.start),
    ...run.stalls.map(s => s.startedAt + s.durationMs / 1000)
  );
  const t0 = run.startedAt;
  const requests = Private.lanes(
    run.requests.map(r => ({
      kind: 'request' as const,
      name: r.name,
      start: r.submitAt - t0,
      end: (r.resolveAt ?? latest) - t0,
      lane: 0,
      open: r.resolveAt === null
    }))
  );
  const waits = Private.lanes(
    run.waits.map(w => ({
      kind: 'wait' as const,
      name: w.what,
      start: w.start - t0,
      end: (w.end ?? latest) - t0,
      lane: 0,
      open: w.end === null
    }))
  );
  const stalls = Private.lanes(
    run.stalls.map(s => ({
      kind: 'stall' as const,
      name: `GIL stall ${Math.round(s.durationMs)} ms`,
      start: s.startedAt - t0,
      end: s.startedAt + s.durationMs / 1000 - t0,
      lane: 0,
      open: s.ongoing === true
    }))
  );
  return [...requests, ...waits, ...stalls];
}

namespace Private {
  export function num(v: unknown): v is number {
    return typeof v === 'number' && Number.isFinite(v);
  }

  export function list(v: unknown): any[] {
    return Array.isArray(v) ? v.filter(x => x && typeof x === 'object') : [];
  }

  /** Greedy interval packing: each bar takes the first lane free at start. */
  export function lanes(bars: ITimelineBar[]): ITimelineBar[] {
    const sorted = [...bars].sort((a, b) => a.start - b.start);
    const laneEnds: number[] = [];
    for (const bar of sorted) {
      let lane = laneEnds.findIndex(end => end <= bar.start);
      if (lane < 0) {
        lane = laneEnds.length;
        laneEnds.push(bar.end);
      } else {
        laneEnds[lane] = bar.end;
      }
      bar.lane = lane;
    }
    return sorted;
  }
}
