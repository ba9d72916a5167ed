/**
 * Deprecated SDK APIs (TD107), repeated client creation (TD115), IPython
 * syntax in cells, and the analyzer's cache.
 */
import {
  blankMagics,
  LoopShapeAnalyzer,
  loopShapeRules
} from '../../src/engine/analysis';
import { summarize, summarizeAsync } from '../../src/engine/analysis/summary';
import { isAtLeast038 } from '../../src/engine/analysis/sdk';
import {
  analyse,
  cells,
  factsWith,
  SETUP,
  SETUP_NEW,
  src,
  where
} from './analysisHelpers';

describe('TD107: deprecated SDK API for the installed version', () => {
  const OLD_LOOP = src(
    'for batch in batches:',
    '    f = await tc.forward_backward_async(batch, "cross_entropy")',
    '    await f.result_async()'
  );

  it('flags *_async methods when the kernel has 0.38', () => {
    const findings = analyse([SETUP_NEW, OLD_LOOP], factsWith('0.38.0'));
    expect(where(findings, 'TD107')).toEqual(['TD107@1:2']);
    const f = findings.find(x => x.code === 'TD107')!;
    expect(f.severity).toBe('info');
    expect(f.fix).toMatch(/tc\.forward_backward\(\.\.\.\) without await/);
  });

  it('says nothing without facts or with an older SDK', () => {
    expect(where(analyse([SETUP, OLD_LOOP]), 'TD107')).toEqual([]);
    expect(
      where(analyse([SETUP, OLD_LOOP], factsWith('0.37.2')), 'TD107')
    ).toEqual([]);
    expect(
      where(analyse([SETUP, OLD_LOOP], factsWith('not-a-version')), 'TD107')
    ).toEqual([]);
  });

  it('flags get_server_capabilities with the RestClient replacement', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'caps = svc.get_server_capabilities()'
        )
      ],
      factsWith('0.38.1')
    );
    expect(where(findings, 'TD107')).toEqual(['TD107@0:2']);
    expect(findings[0].fix).toMatch(/RestClient\(\)\.get_server_capabilities/);
  });

  it("does not flag the RestClient's own get_server_capabilities", () => {
    const findings = analyse(
      [
        src(
          'caps = tinker.RestClient().get_server_capabilities().result()',
          'rc = tinker.RestClient()',
          'caps = await rc.get_server_capabilities()',
          'svc = tinker.ServiceClient()',
          'caps = svc.create_rest_client().get_server_capabilities()'
        ),
        src(
          'async def check():',
          '    return await tinker.RestClient().get_server_capabilities()'
        )
      ],
      factsWith('0.38.0')
    );
    // Only the deprecated create_rest_client() (line 5) is reported.
    expect(where(findings, 'TD107', 'TD113')).toEqual(['TD107@0:5']);
    expect(findings.find(f => f.code === 'TD107')!.evidence).toMatch(
      /create_rest_client/
    );
  });

  it('flags a creation future used as the client, once, as info', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'tc = svc.create_lora_training_client(base_model="m")'
        ),
        src('print(tc.get_info())', 'tok = tc.get_tokenizer()')
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD107')).toEqual(['TD107@1:1']);
    expect(findings.find(f => f.code === 'TD107')!.severity).toBe('info');
  });

  it('makes it a warning in async code, where the wait blocks the loop', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'tc = svc.create_lora_training_client(base_model="m")'
        ),
        src('async def go(b):', '    return tc.forward_backward(b, "ce")')
      ],
      factsWith('0.38.0')
    );
    const f = findings.find(x => x.code === 'TD107')!;
    expect(f.severity).toBe('warning');
    expect(f.line).toBe(2);
  });

  it('reads a name as bound where it is used, before and after a rebinding', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'tc = svc.create_lora_training_client(base_model="m")'
        ),
        'print(tc.get_info())',
        'tc = tc.result()',
        'fb = tc.forward_backward(batch, "cross_entropy")'
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD107')).toEqual(['TD107@1:1']);
  });

  it('does not flag clients obtained by awaiting or .result()', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'tc = svc.create_lora_training_client(base_model="m").result()',
          'sc = await tc.save_weights_and_get_sampling_client()'
        ),
        src('fb = tc.forward_backward(b, "ce")', 'r = sc.sample(p, 1, params)')
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD107')).toEqual([]);
  });

  it('flags concurrent.futures methods on sampling futures', () => {
    const findings = analyse(
      [
        SETUP_NEW,
        src(
          'sc = await tc.save_weights_and_get_sampling_client()',
          'fut = sc.sample(prompt, 1, params)',
          'if fut.done():',
          '    print("ready")',
          'sc.sample(prompt, 1, params).add_done_callback(show)',
          'fut.future().add_done_callback(show)'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD107')).toEqual(['TD107@1:3', 'TD107@1:5']);
    expect(findings.find(f => f.line === 3)!.fix).toMatch(/\.future\(\)\.done/);
  });

  it('compares versions as PEP 440', () => {
    expect(isAtLeast038('0.38.0')).toBe(true);
    expect(isAtLeast038('0.38.0rc1')).toBe(true);
    expect(isAtLeast038('1.0')).toBe(true);
    expect(isAtLeast038('0.37.9.post1')).toBe(false);
    expect(isAtLeast038('0.4.0')).toBe(false);
    expect(isAtLeast038('garbage')).toBeNull();
  });
});

describe('TD115: a client-creating cell ran more than once', () => {
  it('flags a creating cell that the agent saw run twice', () => {
    const facts = factsWith('0.38.0', {
      cellRuns: [{ cellId: 'c0' }, { cellId: 'c1' }, { cellId: 'c0' }]
    });
    const findings = analyse([SETUP_NEW, 'print(1)'], facts);
    expect(where(findings, 'TD115')).toEqual(['TD115@0:4']);
    expect(findings.find(f => f.code === 'TD115')!.evidence).toMatch(
      /ran 2 times/
    );
  });

  it('does not count a bare ServiceClient() in 0.38, which opens no session', () => {
    const facts = factsWith('0.38.0', {
      cellRuns: [{ cellId: 'c0' }, { cellId: 'c0' }]
    });
    const cell = src('import tinker', 'svc = tinker.ServiceClient()');
    expect(where(analyse([cell], facts), 'TD115')).toEqual([]);
    const older = factsWith('0.30.0', {
      cellRuns: [{ cellId: 'c0' }, { cellId: 'c0' }]
    });
    expect(where(analyse([cell], older), 'TD115')).toEqual(['TD115@0:2']);
  });

  it('flags two sessions created by the same cell', () => {
    const facts = factsWith('0.38.0', {
      clients: [
        { kind: 'TrainingClient', sessionId: 's-1', createdInCellId: 'c0' },
        { kind: 'TrainingClient', sessionId: 's-2', createdInCellId: 'c0' }
      ]
    });
    expect(where(analyse([SETUP_NEW], facts), 'TD115')).toEqual(['TD115@0:4']);
  });

  it('reports the cell id alone when there is no notebook', () => {
    const facts = factsWith('0.38.0', {
      clients: [
        { sessionId: 's-1', createdInCellId: 'abc' },
        { sessionId: 's-2', createdInCellId: 'abc' }
      ]
    });
    const result = loopShapeRules.run({ facts });
    expect(result.findings.map(f => [f.code, f.cellId])).toEqual([
      ['TD115', 'abc']
    ]);
  });

  it('does not flag re-runs of cells that create nothing or guard it', () => {
    const facts = factsWith('0.38.0', {
      cellRuns: [
        { cellId: 'c1' },
        { cellId: 'c1' },
        { cellId: 'c2' },
        { cellId: 'c2' }
      ],
      clients: [
        { sessionId: 's-1', createdInCellId: 'c2' },
        { sessionId: 's-1', createdInCellId: 'c2' }
      ]
    });
    const findings = analyse(
      [
        SETUP_NEW,
        'print(tc.get_info())',
        src("if 'svc' not in globals():", '    svc = tinker.ServiceClient()')
      ],
      facts
    );
    expect(where(findings, 'TD115')).toEqual([]);
  });
});

describe('IPython syntax in cells', () => {
  it('keeps the length and line structure when blanking magics', () => {
    const source = src(
      '%pip install tinker',
      'files = !ls data',
      '?tc.forward_backward',
      'tc.optim_step?',
      'x = 1'
    );
    const blank = blankMagics(source);
    expect(blank.length).toBe(source.length);
    expect(blank.split('\n').map(l => l.length)).toEqual(
      source.split('\n').map(l => l.length)
    );
    expect(blank.split('\n')[1].startsWith('files = 0')).toBe(true);
    expect(blank.split('\n')[4]).toBe('x = 1');
  });

  it('finds loop faults at the right line around magics', () => {
    const findings = analyse([
      SETUP,
      src(
        '%load_ext autoreload',
        '!nvidia-smi',
        'for batch in loader:',
        '    %time out = tc.forward_backward(batch, "ce").result()',
        '    out = tc.forward_backward(batch, "ce").result()',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD110')).toEqual(['TD110@1:5']);
  });

  it('ignores cells whose cell magic is not Python', () => {
    const findings = analyse([
      SETUP,
      src(
        '%%bash',
        'for b in x; do tc.forward_backward(b).result(); tc.optim_step(); done'
      ),
      src(
        '%%writefile train.py',
        'for b in batches:',
        '    tc.forward_backward(b, "ce").result()',
        '    tc.optim_step(adam)'
      )
    ]);
    expect(where(findings)).toEqual([]);
  });

  it('reads the body of %%time cells', () => {
    const findings = analyse([
      SETUP,
      src(
        '%%time',
        'for b in batches:',
        '    tc.forward_backward(b, "ce").result()',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD110')).toEqual(['TD110@1:3']);
  });

  it('survives syntax errors and empty cells', () => {
    expect(() =>
      analyse(['', 'for x in :\n    tc.forward_backward(', ')))(((', 'def'])
    ).not.toThrow();
  });
});

describe('the analyzer cache', () => {
  it('reuses the summary of an unchanged cell', () => {
    const analyzer = new LoopShapeAnalyzer();
    const first = analyzer.summaryOf('x = 1');
    expect(analyzer.summaryOf('x = 1')).toBe(first);
    expect(summarize('x = 1')).not.toBe(first);
  });

  it('re-reads only the edited cell and gives the new answer', () => {
    const analyzer = new LoopShapeAnalyzer();
    const loop = src(
      'for b in batches:',
      '    f = tc.forward_backward(b, "ce")',
      '    op = tc.optim_step(adam)',
      '    f.result(); op.result()'
    );
    const notebook = cells([SETUP, loop]);
    expect(where(analyzer.analyse(notebook), 'TD110')).toEqual([]);
    const setupSummary = analyzer.summaryOf(SETUP);
    notebook[1] = {
      ...notebook[1],
      source:
        loop.replace('    op = tc.optim_step(adam)\n', '') +
        '\n    tc.optim_step(adam).result()'
    };
    expect(where(analyzer.analyse(notebook), 'TD110')).toEqual(['TD110@1:3']);
    expect(analyzer.summaryOf(SETUP)).toBe(setupSummary);
  });

  it('gives the same answer asynchronously', async () => {
    const notebook = cells([
      SETUP,
      src('for b in bs:', '    tc.forward_backward(b, "ce").result()')
    ]);
    const sync = new LoopShapeAnalyzer().analyse(notebook);
    const later = await new LoopShapeAnalyzer().analyseAsync(
      notebook,
      undefined,
      {
        sliceMs: 0
      }
    );
    expect(later).toEqual(sync);
    expect(sync.length).toBeGreaterThan(0);
  });

  it('parses a huge cell in steps with the same result', async () => {
    const body = src(
      'for b in batches:',
      '    out = tc.forward_backward(b, "ce").result()',
      '    tc.optim_step(adam).result()',
      ''
    );
    const notebook = cells([SETUP, body.repeat(600)]);
    expect(notebook[1].source.length).toBeGreaterThan(20000);
    const sync = new LoopShapeAnalyzer().analyse(notebook);
    const stepped = await new LoopShapeAnalyzer().analyseAsync(
      notebook,
      undefined,
      { sliceMs: 1 }
    );
    expect(stepped).toEqual(sync);
    expect(where(sync, 'TD110')).toHaveLength(600);
    expect(await summarizeAsync(body, 1)).toEqual(summarize(body));
  });

  it('skips notebooks in other languages with a note', () => {
    const result = loopShapeRules.run({
      notebook: {
        language: 'R',
        cells: [
          {
            index: 0,
            id: null,
            cellType: 'code',
            source: 'for (b in x) tc$forward_backward(b)$result()',
            outputs: [],
            executionCount: null
          }
        ]
      }
    });
    expect(result.findings).toEqual([]);
    expect(result.notes?.[0]).toMatch(/Python only/);
  });
});
