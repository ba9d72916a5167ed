import { InputError } from '../../src/engine/notebook';
import {
  MetricsReader,
  readMetrics,
  readMetricsAsync
} from '../../src/engine/timing/metrics';
import {
  barSize,
  binTimings,
  breakdownOf,
  countOverlapping,
  GAP_BAND,
  stepBreakdown,
  stepTimings
} from '../../src/engine/timing/steps';

const LINES = [
  '{"step": 0, "time/get_batch": 1.1, "time/step": 140.5, "time/total": 142.0}',
  '{"step": 1, "time/get_batch": 0.3, "time/step": 9.3, "time/total": 9.8}',
  '{"step": 2, "time/get_batch": 0.3, "time/step": 9.6, "time/total": 10.1}'
];

describe('readMetrics', () => {
  it('reads one row per line', () => {
    const m = readMetrics(LINES.join('\n') + '\n');
    expect(m.rows).toHaveLength(3);
    expect(m.rows[1]['time/step']).toBe(9.3);
    expect(m.notes).toEqual([]);
  });

  it('skips a half-written last line with a note, not an error', () => {
    const m = readMetrics(LINES.join('\n') + '\n{"step": 3, "time/ge');
    expect(m.rows).toHaveLength(3);
    expect(m.notes).toEqual([
      'line 4 is incomplete (still being written?); skipped'
    ]);
  });

  it('reports non-numeric time values and leaves them out', () => {
    const m = readMetrics(
      '{"step": 0, "time/total": "slow", "time/a": null, "time/b": 1}\n'
    );
    expect(m.rows[0]).toEqual({ step: 0, 'time/b': 1 });
    expect(m.notes).toEqual([
      'line 1: time/total is "slow", not a number; ignored',
      'line 1: time/a is null, not a number; ignored'
    ]);
  });

  it('aggregates non-numeric time values per key', () => {
    const lines = [];
    for (let i = 0; i < 40; i++) {
      lines.push(`{"step": ${i}, "time/total": "slow", "time/a": 1}`);
    }
    for (let i = 0; i < 8; i++) {
      lines.push(`{"step": 99, "time/k${i}": null}`);
    }
    const m = readMetrics(lines.join('\n') + '\n');
    expect(m.notes).toEqual([
      'time/total is not a number on 40 lines (first on line 1: "slow"); ' +
        'ignored',
      'line 41: time/k0 is null, not a number; ignored',
      'line 42: time/k1 is null, not a number; ignored',
      'line 43: time/k2 is null, not a number; ignored',
      'line 44: time/k3 is null, not a number; ignored',
      '4 more non-numeric time values of other keys not listed'
    ]);
  });

  it('reads NaN and Infinity as Python writes them', () => {
    const m = readMetrics(
      '{"step": 0, "loss": NaN, "time/total": Infinity, "s": "NaN x"}\n'
    );
    expect(m.rows[0].loss).toBeNaN();
    expect(m.rows[0].s).toBe('NaN x');
    expect(m.rows[0]['time/total']).toBeUndefined();
    expect(m.notes[0]).toBe(
      'line 1: time/total is Infinity, not a number; ignored'
    );
  });

  it('notes a bad line in the middle and keeps reading', () => {
    const m = readMetrics([LINES[0], '[1, 2]', 'oops', LINES[1]].join('\n'));
    expect(m.rows).toHaveLength(2);
    expect(m.notes).toEqual([
      'line 2 is not an object; skipped',
      'line 3 is not valid JSON; skipped'
    ]);
  });

  it('caps the notes and counts the rest', () => {
    const bad = Array.from({ length: 9 }, () => 'x').join('\n');
    const m = readMetrics(LINES[0] + '\n' + bad + '\n');
    expect(m.notes).toHaveLength(6);
    expect(m.notes[5]).toBe('4 more bad lines not listed');
  });

  it('throws a one-line InputError for a file with no valid line', () => {
    expect(() => readMetrics('<html>\n</html>\n')).toThrow(InputError);
    expect(() => readMetrics('<html>\n</html>\n')).toThrow(
      'not a metrics.jsonl file: none of its 2 line(s) is a JSON object ' +
        '(line 1: not valid JSON)'
    );
    expect(() => readMetrics('\n\n')).toThrow(/empty/);
    expect(() => readMetrics('')).toThrow(/empty/);
  });

  it('gives the same rows whatever the chunk boundaries', () => {
    const text = LINES.join('\r\n') + '\r\n';
    const whole = readMetrics(text);
    for (const size of [1, 3, 7, 50]) {
      const reader = new MetricsReader();
      for (let i = 0; i < text.length; i += size) {
        reader.push(text.slice(i, i + size));
      }
      expect(reader.finish()).toEqual(whole);
    }
  });
});

describe('readMetricsAsync', () => {
  function bigFile(lines: number): string {
    const out: string[] = [];
    for (let i = 0; i < lines; i++) {
      out.push(
        JSON.stringify({
          step: i,
          'time/get_batch': 0.3,
          'time/step': 9 + (i % 7) / 10,
          'time/total': 9.8 + (i % 7) / 10
        })
      );
    }
    return out.join('\n') + '\n';
  }

  it('reads 100,000 lines, yielding between batches', async () => {
    const text = bigFile(100_000);
    let yields = 0;
    let last = 0;
    const timer = setInterval(() => yields++, 0);
    const m = await readMetricsAsync(text, {
      yieldEvery: 5000,
      onProgress: n => (last = n)
    });
    clearInterval(timer);
    expect(m.rows).toHaveLength(100_000);
    expect(last).toBe(100_000);
    expect(yields).toBeGreaterThan(0);
  });

  it('reads async chunks split inside lines, half-written end included', async () => {
    const text = LINES.join('\n') + '\n{"step": 3,';
    async function* chunks() {
      for (let i = 0; i < text.length; i += 10) {
        yield text.slice(i, i + 10);
      }
    }
    const m = await readMetricsAsync(chunks(), { yieldEvery: 1 });
    expect(m.rows).toHaveLength(3);
    expect(m.notes[0]).toMatch(/line 4 is incomplete/);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      readMetricsAsync(bigFile(10), { signal: controller.signal })
    ).rejects.toThrow(/cancelled/);
  });

  it('rejects a corrupt file with InputError', async () => {
    await expect(readMetricsAsync('nope\n')).rejects.toBeInstanceOf(InputError);
  });
});

describe('stepBreakdown', () => {
  it('stacks spans and adds the gap to time/total as its own band', () => {
    const rows = readMetrics(
      [
        '{"step": 3, "time/sampling": 4, "time/train": 5, "time/total": 31}',
        '{"step": 4, "time/sampling": 4.5, "time/total": 10}'
      ].join('\n')
    ).rows;
    const b = stepBreakdown(stepTimings(rows));
    expect(b.steps).toEqual([3, 4]);
    expect(b.bands).toEqual(['sampling', 'train', GAP_BAND]);
    expect(b.values).toEqual([
      [4, 4.5],
      [5, 0],
      [22, 5.5]
    ]);
    expect(b.totals).toEqual([31, 10]);
    expect(b.notes).toEqual([]);
  });

  it('shows the gap as 0 and says so when spans overlap', () => {
    const rows = [{ 'time/a:total': 8, 'time/a:count': 4, 'time/total': 5 }];
    const b = stepBreakdown(stepTimings(rows));
    expect(b.steps).toEqual([0]);
    expect(b.values[b.bands.indexOf(GAP_BAND)]).toEqual([0]);
    expect(b.notes[0]).toMatch(/nested or run concurrently/);
  });

  it('shows time/total as one band when there are no spans', () => {
    const b = stepBreakdown(stepTimings([{ step: 1, 'time/total': 7 }]));
    expect(b.bands).toEqual(['total']);
    expect(b.values).toEqual([[7]]);
  });

  it('groups steps into at most maxBars bars of means, gap included', () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({
      step: i,
      'time/a': i,
      'time/total': i + 1
    }));
    const b = stepBreakdown(stepTimings(rows), 4);
    expect(b.perBar).toBe(3);
    expect(b.steps).toEqual([0, 3, 6, 9]);
    expect(b.values[0]).toEqual([1, 4, 7, 9]);
    expect(b.values[1]).toEqual([1, 1, 1, 1]);
    expect(b.totals).toEqual([2, 5, 8, 10]);
    expect(b.notes).toEqual([
      '10 steps: each bar shows the mean of 3 consecutive steps.'
    ]);
    expect(b.bands).toEqual(['a', GAP_BAND]);
    expect(stepBreakdown(stepTimings(rows), 10).perBar).toBe(1);
  });

  it('numbers rows without a step key by their index in the file', () => {
    const t = stepTimings([{ 'time/total': 1 }], 500);
    expect(t[0].step).toBe(500);
  });

  it('gives the same bars when grouped slice by slice', () => {
    const rows = Array.from({ length: 1003 }, (_, i) => ({
      step: i,
      'time/a': (i % 7) + 1,
      'time/b:total': i % 3 === 0 ? 9 : 1,
      'time/total': 6
    }));
    const whole = stepBreakdown(stepTimings(rows), 40);
    const perBar = barSize(rows.length, 40);
    const slice = perBar * 4;
    const bars = [];
    let overlapping = 0;
    for (let i = 0; i < rows.length; i += slice) {
      const t = stepTimings(rows.slice(i, i + slice), i);
      overlapping += countOverlapping(t);
      bars.push(...binTimings(t, perBar));
    }
    const sliced = breakdownOf(bars, {
      steps: rows.length,
      perBar,
      overlapping
    });
    expect(sliced).toEqual(whole);
    expect(whole.steps).toHaveLength(39);
    expect(whole.notes[0]).toMatch(/^In 525 step\(s\)/);
  });
});
