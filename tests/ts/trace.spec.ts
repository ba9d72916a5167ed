import { InputError } from '../../src/engine/notebook';
import {
  ITimelineRun,
  readTimeline,
  timelineBars
} from '../../src/engine/timing/timeline';
import * as fs from 'fs';
import * as path from 'path';
import {
  readTrace,
  readTraceAsync,
  traceSpans
} from '../../src/engine/timing/trace';
import { traceTimelines } from '../../src/engine/timing/traceTimeline';
import {
  timelineToTrace,
  timelineTraceJson
} from '../../src/engine/timing/traceExport';

const T0 = 1_765_000_000;

const RUN: ITimelineRun = {
  cellId: 'cell-a',
  cellIndex: 2,
  run: 1,
  startedAt: T0,
  endedAt: T0 + 10,
  requests: [
    {
      id: 'r1',
      name: 'forward_backward',
      submitAt: T0 + 0.5,
      resolveAt: T0 + 4
    },
    { id: 'r2', name: 'optim_step', submitAt: T0 + 1, resolveAt: T0 + 5.25 },
    { id: 'r3', name: 'sample', submitAt: T0 + 6, resolveAt: null }
  ],
  waits: [{ start: T0 + 1.5, end: T0 + 5.25, what: 'APIFuture.result' }],
  stalls: [{ startedAt: T0 + 7, durationMs: 1200, ongoing: false }]
};

/** Every key of the trace-event format that a viewer needs, per phase. */
function expectValidTraceEvent(e: any): void {
  expect(typeof e.name).toBe('string');
  expect(['X', 'M']).toContain(e.ph);
  expect(Number.isInteger(e.pid)).toBe(true);
  expect(Number.isInteger(e.tid)).toBe(true);
  expect(Number.isInteger(e.ts)).toBe(true);
  if (e.ph === 'X') {
    expect(Number.isInteger(e.dur)).toBe(true);
    expect(e.dur).toBeGreaterThanOrEqual(0);
  } else {
    expect(typeof e.args).toBe('object');
  }
}

describe('timeline bars', () => {
  it('packs overlapping requests into lanes and ends open ones at the end', () => {
    const bars = timelineBars(RUN).filter(b => b.kind === 'request');
    expect(bars.map(b => [b.name, b.lane, b.start, b.end, b.open])).toEqual([
      ['forward_backward', 0, 0.5, 4, false],
      ['optim_step', 1, 1, 5.25, false],
      ['sample', 0, 6, 10, true]
    ]);
  });

  it('drops malformed items from an untrusted export', () => {
    const runs = readTimeline([
      { startedAt: 'x' },
      {
        startedAt: T0,
        requests: [{ submitAt: 'soon' }, { submitAt: T0, name: 'sample' }],
        stalls: [{ startedAt: T0 }],
        waits: 'nope'
      }
    ]);
    expect(runs).toHaveLength(1);
    expect(runs[0].requests.map(r => r.name)).toEqual(['sample']);
    expect(runs[0].stalls).toEqual([]);
    expect(runs[0].waits).toEqual([]);
    expect(readTimeline({})).toEqual([]);
  });
});

describe('trace export', () => {
  it('writes valid trace-event JSON', () => {
    const file = JSON.parse(timelineTraceJson([RUN]));
    expect(file.displayTimeUnit).toBe('ms');
    expect(Array.isArray(file.traceEvents)).toBe(true);
    file.traceEvents.forEach(expectValidTraceEvent);
    const names = file.traceEvents
      .filter((e: any) => e.ph === 'M' && e.name === 'thread_name')
      .map((e: any) => e.args.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'Tinker requests 1',
        'Tinker requests 2',
        'main thread: waits',
        'GIL stalls'
      ])
    );
  });

  it('round-trips through the trace reader', () => {
    const second: ITimelineRun = {
      ...RUN,
      cellId: 'cell-b',
      run: 2,
      startedAt: T0 + 20,
      endedAt: T0 + 21,
      requests: [
        { id: 'x', name: 'sample', submitAt: T0 + 20, resolveAt: T0 + 20.5 }
      ],
      waits: [],
      stalls: []
    };
    const trace = readTrace(timelineTraceJson([RUN, second]));
    expect(trace.notes).toEqual([]);
    const spans = traceSpans(trace.events);
    const got = spans.map(s => [
      s.process,
      s.thread,
      s.name,
      s.start / 1e6,
      (s.end - s.start) / 1e6
    ]);
    expect(got).toEqual([
      ['cell 2 run 1', 'Tinker requests 1', 'forward_backward', 0.5, 3.5],
      ['cell 2 run 1', 'Tinker requests 2', 'optim_step', 1, 4.25],
      ['cell 2 run 1', 'main thread: waits', 'APIFuture.result', 1.5, 3.75],
      ['cell 2 run 1', 'Tinker requests 1', 'sample', 6, 4],
      ['cell 2 run 1', 'GIL stalls', 'GIL stall 1200 ms', 7, 1.2],
      ['cell 2 run 2', 'Tinker requests 1', 'sample', 20, 0.5]
    ]);
    expect(spans[3].args.open).toBe(true);
  });

  it('exports nothing but a valid file for no runs', () => {
    expect(timelineToTrace([]).traceEvents).toEqual([]);
  });
});

describe('readTrace', () => {
  const COOKBOOK = [
    '{"name": "thread_name", "ph": "M", "pid": 1, "tid": 7, "args": {"name": "Task-1"}}',
    '{"name": "process_name", "ph": "M", "pid": 1, "tid": 7, "args": {"name": "MainThread Thread"}}',
    '{"name": "train_step", "ph": "B", "pid": 1, "tid": 7, "ts": 100, "cat": "async", "args": {"track": "Task-1"}}',
    '{"name": "forward_backward_async", "ph": "B", "pid": 1, "tid": 7, "ts": 150, "args": {}}',
    '{"name": "forward_backward_async", "ph": "E", "pid": 1, "tid": 7, "ts": 180, "args": {"step": 3}}',
    '{"name": "train_step", "ph": "E", "pid": 1, "tid": 7, "ts": 400, "args": {"step": 3}}',
    '{"name": "sampling", "ph": "B", "pid": 1, "tid": 9, "ts": 410, "args": {}}',
    '{"name": "sampl'
  ].join('\n');

  it('reads cookbook JSON lines and skips a half-written last line', () => {
    const t = readTrace(COOKBOOK);
    expect(t.events).toHaveLength(7);
    expect(t.notes).toEqual([
      'line 8 is incomplete (still being written?); skipped'
    ]);
  });

  it('pairs nested B/E per thread, names tracks, keeps open slices', () => {
    const spans = traceSpans(readTrace(COOKBOOK).events);
    expect(
      spans.map(s => [s.name, s.start, s.end, s.thread, s.open, s.args.step])
    ).toEqual([
      ['train_step', 100, 400, 'Task-1', false, 3],
      ['forward_backward_async', 150, 180, 'Task-1', false, 3],
      ['sampling', 410, 410, null, true, undefined]
    ]);
    expect(spans[0].process).toBe('MainThread Thread');
  });

  it('reads the JSON array form', () => {
    const t = readTrace(
      '[{"name":"a","ph":"X","pid":1,"tid":1,"ts":5,"dur":2}]'
    );
    expect(traceSpans(t.events)[0].end).toBe(7);
  });

  it('rejects text with no trace event', () => {
    expect(() => readTrace('{"step": 1}\n')).toThrow(InputError);
    expect(() => readTrace('')).toThrow(/empty/);
  });
});

describe('cookbook trace as timelines', () => {
  const FIXTURE = path.resolve(
    __dirname,
    '../../ui-tests/fixtures/run/trace_events.jsonl'
  );
  const text = fs.readFileSync(FIXTURE, 'utf8');

  it('reads asynchronously what the sync reader reads', async () => {
    expect(await readTraceAsync(text, 7)).toEqual(readTrace(text));
  });

  it('makes one timeline per step with the spans started inside it', () => {
    const runs = traceTimelines(traceSpans(readTrace(text).events));
    expect(runs.map(r => r.label)).toEqual(
      [0, 1, 2, 3, 4, 5].map(s => `Cookbook trace, step ${s}`)
    );
    const step3 = runs[3];
    expect(step3.source).toBe('trace');
    expect(step3.requests.map(r => r.name)).toEqual([
      'sampling',
      'assemble_training_data',
      'train',
      'forward_backward_async'
    ]);
    const sampling = step3.requests[0];
    expect(sampling.resolveAt! - sampling.submitAt).toBeCloseTo(4.0, 6);
    expect(step3.endedAt! - step3.startedAt).toBeCloseTo(9.3, 6);
  });

  it('keeps a trace without steps as one timeline, open spans open', () => {
    const spans = traceSpans(
      readTrace(
        [
          '{"name":"a","ph":"B","pid":1,"tid":1,"ts":0}',
          '{"name":"a","ph":"E","pid":1,"tid":1,"ts":2000000}',
          '{"name":"b","ph":"B","pid":1,"tid":1,"ts":2500000}'
        ].join('\n')
      ).events
    );
    const [run] = traceTimelines(spans);
    expect(run.label).toBe('Cookbook trace');
    expect(run.requests.map(r => [r.name, r.resolveAt])).toEqual([
      ['a', 2],
      ['b', null]
    ]);
    expect(traceTimelines([])).toEqual([]);
  });
});
