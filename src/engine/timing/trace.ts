/**
 * Read Chrome trace events: the cookbook's `trace_events.jsonl` (one JSON
 * object per line, the last line possibly half-written while the run goes
 * on) and the JSON array or `{traceEvents: [...]}` object that
 * chrome://tracing and Perfetto open (what `traceExport.ts` writes).
 *
 * Phases read: `B`/`E` (begin/end, paired per pid and tid), `X` (complete,
 * with `dur`) and `M` (metadata: process and thread names). Others are
 * counted in the notes.
 */
import { InputError } from '../notebook';
import { YIELD_EVERY_LINES, yieldToEventLoop } from './metrics';

/** One trace event as read (microsecond times). */
export interface ITraceEvent {
  name: string;
  ph: string;
  pid: number | string;
  tid: number | string;
  ts: number;
  dur?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

/** A slice with both ends, from a `B`/`E` pair or an `X` event. */
export interface ITraceSpan {
  name: string;
  pid: number | string;
  tid: number | string;
  /** Process and thread names from the metadata events, when given. */
  process: string | null;
  thread: string | null;
  /** Microseconds. */
  start: number;
  end: number;
  /** Args of the begin (and end) events merged. */
  args: Record<string, unknown>;
  /** True for a `B` with no `E` yet (still running when read). */
  open: boolean;
}

/** What the reader returns. */
export interface ITraceInput {
  events: ITraceEvent[];
  notes: string[];
}

/**
 * Read trace text in any of the three layouts.
 *
 * @throws InputError when no event can be read.
 */
export function readTrace(text: string): ITraceInput {
  const trimmed = Private.checkText(text);
  const whole = Private.wholeDocument(trimmed);
  if (whole) {
    return Private.finish(whole, []);
  }
  const raw: unknown[] = [];
  const notes: string[] = [];
  const lines = trimmed.split(/\r?\n/);
  lines.forEach((line, i) =>
    Private.line(line, i, i === lines.length - 1, raw, notes)
  );
  return Private.finish(raw, notes);
}

/**
 * `readTrace` that yields to the event loop every `yieldEvery` lines, for
 * large cookbook traces read in the browser.
 *
 * @throws InputError when no event can be read.
 */
export async function readTraceAsync(
  text: string,
  yieldEvery = YIELD_EVERY_LINES
): Promise<ITraceInput> {
  const trimmed = Private.checkText(text);
  const whole = Private.wholeDocument(trimmed);
  if (whole) {
    return Private.finish(whole, []);
  }
  const raw: unknown[] = [];
  const notes: string[] = [];
  let start = 0;
  let index = 0;
  while (start <= trimmed.length) {
    const nl = trimmed.indexOf('\n', start);
    const end = nl < 0 ? trimmed.length : nl;
    Private.line(trimmed.slice(start, end), index, nl < 0, raw, notes);
    start = end + 1;
    index++;
    if (index % yieldEvery === 0) {
      await yieldToEventLoop();
    }
  }
  return Private.finish(raw, notes);
}

/**
 * Pair the events into slices, sorted by start. `B`/`E` pair per (pid, tid)
 * as a stack; an `E` without `B` is ignored; a `B` without `E` is open and
 * ends at the latest time in the trace.
 */
export function traceSpans(events: ITraceEvent[]): ITraceSpan[] {
  const processes = new Map<string, string>();
  const threads = new Map<string, string>();
  const key = (e: ITraceEvent) => `${e.pid}\u0000${e.tid}`;
  for (const e of events) {
    if (e.ph === 'M' && typeof e.args?.name === 'string') {
      if (e.name === 'process_name') {
        processes.set(String(e.pid), e.args.name);
      } else if (e.name === 'thread_name') {
        threads.set(key(e), e.args.name);
      }
    }
  }
  const spans: ITraceSpan[] = [];
  const stacks = new Map<string, ITraceEvent[]>();
  let latest = 0;
  const make = (
    e: ITraceEvent,
    end: number,
    args: Record<string, unknown>,
    open: boolean
  ): ITraceSpan => ({
    name: e.name,
    pid: e.pid,
    tid: e.tid,
    process: processes.get(String(e.pid)) ?? null,
    thread: threads.get(key(e)) ?? null,
    start: e.ts,
    end,
    args,
    open
  });
  const ordered = events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.ts - b.e.ts || a.i - b.i)
    .map(x => x.e);
  for (const e of ordered) {
    latest = Math.max(latest, e.ts + (e.dur ?? 0));
    if (e.ph === 'X') {
      spans.push(make(e, e.ts + (e.dur ?? 0), { ...e.args }, false));
    } else if (e.ph === 'B') {
      const stack = stacks.get(key(e)) ?? [];
      stack.push(e);
      stacks.set(key(e), stack);
    } else if (e.ph === 'E') {
      const begin = stacks.get(key(e))?.pop();
      if (begin) {
        spans.push(make(begin, e.ts, { ...begin.args, ...e.args }, false));
      }
    }
  }
  for (const stack of stacks.values()) {
    for (const begin of stack) {
      spans.push(make(begin, latest, { ...begin.args }, true));
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

namespace Private {
  export function checkText(text: string): string {
    const trimmed = text.trim();
    if (!trimmed) {
      throw new InputError('trace file is empty');
    }
    return trimmed;
  }

  /** The events of a JSON array or `{traceEvents}` file, else null. */
  export function wholeDocument(trimmed: string): unknown[] | null {
    if (trimmed.startsWith('[') || trimmed.startsWith('{"traceEvents"')) {
      try {
        const whole = JSON.parse(trimmed);
        const events = Array.isArray(whole) ? whole : whole?.traceEvents;
        return Array.isArray(events) ? events : null;
      } catch {
        // Not one JSON document: read as JSON lines.
      }
    }
    return null;
  }

  /** Parse one JSON line into `raw`, or note why it was skipped. */
  export function line(
    text: string,
    index: number,
    last: boolean,
    raw: unknown[],
    notes: string[]
  ): void {
    if (!text.trim()) {
      return;
    }
    try {
      raw.push(JSON.parse(text));
    } catch {
      if (notes.length < 10) {
        notes.push(
          last
            ? `line ${index + 1} is incomplete (still being written?); skipped`
            : `line ${index + 1} is not valid JSON; skipped`
        );
      }
    }
  }

  export function finish(raw: unknown[], notes: string[]): ITraceInput {
    const events: ITraceEvent[] = [];
    let invalid = 0;
    for (const item of raw) {
      const e = event(item);
      if (e) {
        events.push(e);
      } else {
        invalid++;
      }
    }
    if (invalid > 0) {
      notes.push(`${invalid} item(s) are not trace events; skipped`);
    }
    if (events.length === 0) {
      throw new InputError('not a trace file: no trace event could be read');
    }
    return { events, notes };
  }

  export function event(item: unknown): ITraceEvent | null {
    if (!item || typeof item !== 'object' || Array.isArray(item)) {
      return null;
    }
    const e = item as Record<string, unknown>;
    const ph = e.ph;
    if (typeof ph !== 'string' || typeof e.name !== 'string') {
      return null;
    }
    const ts = typeof e.ts === 'number' ? e.ts : ph === 'M' ? 0 : NaN;
    if (!Number.isFinite(ts)) {
      return null;
    }
    const id = (v: unknown) =>
      typeof v === 'number' || typeof v === 'string' ? v : 0;
    const out: ITraceEvent = {
      name: e.name,
      ph,
      pid: id(e.pid),
      tid: id(e.tid),
      ts
    };
    if (typeof e.dur === 'number' && Number.isFinite(e.dur)) {
      out.dur = e.dur;
    }
    if (typeof e.cat === 'string') {
      out.cat = e.cat;
    }
    if (e.args && typeof e.args === 'object' && !Array.isArray(e.args)) {
      out.args = e.args as Record<string, unknown>;
    }
    return out;
  }
}
