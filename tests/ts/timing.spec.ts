import * as fs from 'fs';
import * as path from 'path';

import { readNotebook } from '../../src/engine/notebook';
import { timingRules } from '../../src/engine/timing';
import { stepTimings } from '../../src/engine/timing/steps';
import { readMetrics } from '../../src/engine/timing/metrics';
import {
  unfinishedLogFinding,
  unfinishedOperations
} from '../../src/engine/timing/logLines';
import { IDiagnosisInput, INotebookInput } from '../../src/engine/types';
import { CASES_DIR } from './casesDir';

const CASES = CASES_DIR;

function loadCase(id: string): {
  input: IDiagnosisInput;
  expect: { code: string; cellIndex?: number }[];
  expectNot: string[];
} {
  const dir = path.join(CASES, id);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const input: IDiagnosisInput = {};
  if (spec.inputs.metrics) {
    input.metrics = readMetrics(
      fs.readFileSync(path.join(dir, spec.inputs.metrics), 'utf8')
    );
  }
  if (spec.inputs.notebook) {
    input.notebook = readNotebook(
      fs.readFileSync(path.join(dir, spec.inputs.notebook), 'utf8')
    );
  }
  return { input, expect: spec.expect, expectNot: spec.expect_not };
}

function codes(input: IDiagnosisInput): string[] {
  return timingRules.run(input).findings.map(f => f.code);
}

function metrics(lines: object[]): IDiagnosisInput {
  return {
    metrics: readMetrics(lines.map(l => JSON.stringify(l)).join('\n'))
  };
}

/** Steps with a get_batch/step/total split, totals given per step. */
function sft(totals: number[], extra: object = {}): IDiagnosisInput {
  return metrics(
    totals.map((t, step) => ({
      step,
      'time/get_batch': 0.3,
      'time/step': t - 0.5,
      'time/total': t,
      ...extra
    }))
  );
}

describe('timing rules on the shared cases', () => {
  const timingCodes = new Set(timingRules.codes);
  for (const id of ['B02', 'B29', 'S17', 'X08', 'X10', 'X11']) {
    it(`reports what case ${id} expects and nothing it forbids`, () => {
      const c = loadCase(id);
      const found = timingRules.run(c.input).findings;
      for (const e of c.expect.filter(x => timingCodes.has(x.code))) {
        const match = found.filter(
          f =>
            f.code === e.code &&
            (e.cellIndex === undefined || f.cellIndex === e.cellIndex)
        );
        expect(match.length).toBeGreaterThan(0);
      }
      for (const code of c.expectNot) {
        expect(found.map(f => f.code)).not.toContain(code);
      }
    });
  }

  it('gives only TD130, as info, for warm-up alone (S17)', () => {
    const found = timingRules.run(loadCase('S17').input).findings;
    expect(found.map(f => f.code)).toEqual(['TD130']);
    expect(found[0].severity).toBe('info');
    expect(found[0].evidence).toMatch(/142 s/);
  });

  it('says why TD133 fired for B02 with the slowest steps', () => {
    const f = timingRules
      .run(loadCase('B02').input)
      .findings.find(x => x.code === 'TD133')!;
    expect(f.evidence).toMatch(/30\.9 s to 88\.7 s \(2\.9x/);
    expect(f.evidence).toMatch(/6 \(88\.7 s\)/);
  });

  it('names the untraced share for X08', () => {
    const f = timingRules
      .run(loadCase('X08').input)
      .findings.find(x => x.code === 'TD131')!;
    expect(f.evidence).toMatch(/spans 9\.\d s, untraced 21\.\d s \(69%\)/);
  });

  it('points TD134 at the cell and the stuck operation (X11)', () => {
    const f = timingRules
      .run(loadCase('X11').input)
      .findings.find(x => x.code === 'TD134')!;
    expect(f.cellIndex).toBe(2);
    expect(f.cellId).toBe('x11-02');
    expect(f.title).toMatch(/sampling/);
    expect(f.title).not.toMatch(/run_evals/);
  });

  it('marks the timing step checked only when metrics have time values', () => {
    expect(timingRules.run(loadCase('S17').input).checked).toEqual(['timing']);
    const b29 = timingRules.run(loadCase('B29').input);
    expect(b29.checked).toEqual([]);
    expect(b29.notes!.join('\n')).toMatch(/no time\/\* values/);
  });
});

describe('TD130 warm-up', () => {
  it('fires for a slow first step of a resumed run (first row, not step 0)', () => {
    const input = metrics(
      [60, 10, 10.2, 9.9].map((t, i) => ({ step: 40 + i, 'time/total': t }))
    );
    expect(codes(input)).toEqual(['TD130']);
  });

  it('does not fire when the first step is only a little slower', () => {
    expect(codes(sft([15, 10, 10.2, 9.9]))).toEqual([]);
  });

  it('needs at least two steps after the first', () => {
    expect(codes(sft([100, 10]))).toEqual([]);
  });

  it('reports warm-up and variation together when both are there', () => {
    expect(codes(sft([200, 10, 30, 11, 28, 9]))).toEqual(['TD130', 'TD133']);
  });
});

describe('TD131 untraced gaps', () => {
  it('fires when the spans cover under three quarters of the step', () => {
    const input = metrics(
      [0, 1, 2, 3].map(step => ({
        step,
        'time/sampling': 2,
        'time/train:total': 3,
        'time/train:count': 4,
        'time/total': 10
      }))
    );
    expect(codes(input)).toEqual(['TD131']);
  });

  it('uses mean times count when a repeated span has no :total', () => {
    const input = metrics(
      [0, 1, 2].map(step => ({
        step,
        'time/fwd:mean': 2,
        'time/fwd:count': 4,
        'time/total': 8.5
      }))
    );
    expect(codes(input)).toEqual([]);
  });

  it('does not fire without spans (time/total only)', () => {
    expect(
      codes(metrics([{ 'time/total': 9 }, { 'time/total': 9.1 }]))
    ).toEqual([]);
  });

  it('ignores tiny gaps on sub-second steps', () => {
    const input = metrics(
      [0, 1, 2].map(step => ({ step, 'time/a': 0.1, 'time/total': 0.3 }))
    );
    expect(codes(input)).toEqual([]);
  });

  it('does not count aggregate keys as spans', () => {
    const input = metrics(
      [0, 1, 2].map(step => ({
        step,
        'time/sampling': 3,
        'time/sampling_time_max': 2.9,
        'time/trajectory_group_worker_loop/total': 20,
        'time/train': 6,
        'time/total': 9.5
      }))
    );
    const t = stepTimings(input.metrics!.rows);
    expect(Object.keys(t[0].spans).sort()).toEqual(['sampling', 'train']);
    expect(codes(input)).toEqual([]);
  });
});

describe('TD132 data loading', () => {
  it('fires for another data span name when it is the largest part', () => {
    const input = metrics(
      [0, 1, 2].map(step => ({
        step,
        'time/load_batch': 6,
        'time/train_step': 3,
        'time/total': 9.2
      }))
    );
    expect(codes(input)).toEqual(['TD132']);
  });

  it('does not fire when data loading is large but not the top span', () => {
    const input = metrics(
      [0, 1, 2].map(step => ({
        step,
        'time/get_batch': 4.2,
        'time/step': 5,
        'time/total': 9.3
      }))
    );
    expect(codes(input)).toEqual([]);
  });
});

describe('TD133 steady-state variation', () => {
  it('ignores steps that are slower only because of periodic evals', () => {
    const rows = [10, 10.1, 9.9, 10, 10.2, 9.8].map((t, step) => ({
      step,
      'time/step': t - 0.3,
      'time/get_batch': 0.3,
      ...(step % 3 === 2 ? { 'time/evals': 25 } : {}),
      'time/total': t + (step % 3 === 2 ? 25 : 0)
    }));
    expect(codes(metrics(rows))).toEqual([]);
  });

  it('names the span that varies most', () => {
    const input = sft([10, 10, 25, 11, 30, 10]);
    const f = timingRules.run(input).findings.find(x => x.code === 'TD133')!;
    expect(f.evidence).toMatch(/time\/step/);
  });

  it('needs three steady steps', () => {
    expect(codes(sft([10, 10, 30]))).toEqual([]);
  });
});

describe('TD134 unfinished operations', () => {
  it('pairs repeated starts and ends per key', () => {
    const log = [
      'Starting sampling',
      'sampling took 3.00 seconds',
      'Starting sampling',
      'Starting train_step',
      'train_step took 2.1s'
    ].join('\n');
    const open = unfinishedOperations(log);
    expect(open.map(o => [o.name, o.logLine])).toEqual([['sampling', 3]]);
  });

  it('ignores prose that merely begins with Starting', () => {
    expect(
      unfinishedOperations('Starting training run with 8 GPUs and lr 1e-4')
    ).toEqual([]);
  });

  it('reports live log text without a cell', () => {
    const f = unfinishedLogFinding('x [INFO] Starting save_checkpoint\r\n');
    expect(f!.code).toBe('TD134');
    expect(f!.cellIndex).toBeNull();
  });

  function notebook(outputs: object[]): INotebookInput {
    return readNotebook({
      nbformat: 4,
      cells: [{ cell_type: 'code', id: 'c0', source: 'run()', outputs }]
    });
  }

  it('leaves a cell that failed with an error to the decoder', () => {
    const nb = notebook([
      { output_type: 'stream', name: 'stderr', text: 'Starting sampling\n' },
      { output_type: 'error', ename: 'ValueError', evalue: 'x', traceback: [] }
    ]);
    expect(codes({ notebook: nb })).toEqual([]);
  });

  it('still reports a cell the user interrupted while it was stuck', () => {
    const nb = notebook([
      { output_type: 'stream', name: 'stderr', text: 'Starting sampling\n' },
      {
        output_type: 'error',
        ename: 'KeyboardInterrupt',
        evalue: '',
        traceback: []
      }
    ]);
    expect(codes({ notebook: nb })).toEqual(['TD134']);
  });
});
