/**
 * The renderer tokens step (TD403) when the kernel check could not run, or
 * ran but could not render some or all of its comparisons.
 */
import { diagnose } from '../../src/engine/diagnose';
import { facts, notebook, QWEN, run, tokensStep } from './rendererHelpers';

describe('the tokens step when the check could not run', () => {
  it('says why in the step, which stays unchecked', () => {
    const step = tokensStep({
      notebook: notebook(
        `cfg = Config(model_name="${QWEN}", renderer_name="qwen3")`
      ),
      facts: facts({
        model: QWEN,
        renderer: 'qwen3',
        error: 'the tokenizer for Qwen/Qwen3-8B is not available offline'
      })
    });
    expect(step.status).toBe('not-checked');
    expect(step.notes).toEqual([
      'Tokens not compared: the renderer check could not run: the ' +
        'tokenizer for Qwen/Qwen3-8B is not available offline'
    ]);
  });

  it('says it under the step only, not in the general notes', () => {
    const d = diagnose({
      facts: facts({ model: QWEN, renderer: 'qwen3', error: 'no tokenizer' })
    });
    expect(d.notes.join('\n')).not.toContain('no tokenizer');
    const step = d.steps.find(s => s.id === 'tokens')!;
    expect(step.notes).toEqual([
      'Tokens not compared: the renderer check could not run: no tokenizer'
    ]);
  });

  it('has no notes when the check ran', () => {
    const step = tokensStep({
      facts: facts({ model: QWEN, renderer: 'qwen3', identical: true })
    });
    expect(step.status).toBe('passed');
    expect(step.notes).toBeUndefined();
  });
});

describe('comparisons that could not be rendered', () => {
  const ok = { name: 'built-in 1', kind: 'generation', identical: true };
  const failed = {
    name: 'data.jsonl row 1',
    kind: 'supervised',
    error: 'RendererError: thinking is turned off\nsecond line'
  };

  it('turn the tokens step into a warning naming the count and error', () => {
    const input = {
      facts: facts({
        model: QWEN,
        renderer: 'qwen3_disable_thinking',
        identical: true,
        realMismatches: 0,
        errored: 1,
        conversations: [ok, failed]
      })
    };
    const step = tokensStep(input);
    expect(step.status).toBe('warning');
    const td403 = step.findings.find(f => f.code === 'TD403')!;
    expect(td403.severity).toBe('warning');
    expect(td403.evidence).toContain(
      '1 of 2 comparisons could not be rendered; first: data.jsonl row 1 ' +
        '(supervised): RendererError: thinking is turned off.'
    );
    expect(td403.evidence).not.toContain('second line');
  });

  it('count from `errored` even without per-conversation errors', () => {
    const f = run({
      facts: facts({ errored: 2, conversations: [ok, ok, ok] })
    });
    expect(f.map(x => [x.code, x.severity])).toEqual([['TD403', 'warning']]);
    expect(f[0].evidence).toMatch(/^2 of 3 comparisons could not be rendered/);
  });

  it('are added to a real mismatch, which stays an error', () => {
    const real = {
      name: 'built-in 2',
      kind: 'generation',
      identical: false,
      firstDiff: 3,
      realDiff: { renderer: 3, template: 3 }
    };
    const f = run({ facts: facts({ conversations: [real, failed] }) });
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].evidence).toMatch(/1 of 2 comparisons could not be rendered/);
  });

  it('name the first error from erroredExamples without conversations', () => {
    const f = run({
      facts: facts({
        errored: 1,
        rendererTokens: [1, 2],
        templateTokens: [1, 2],
        erroredExamples: [
          { name: 'rows[4]', kind: 'supervised', error: 'KeyError: content' }
        ]
      })
    });
    expect(f.map(x => [x.code, x.severity])).toEqual([['TD403', 'warning']]);
    expect(f[0].evidence).toMatch(
      new RegExp(
        '^1 comparison could not be rendered; first: rows\\[4\\] ' +
          '\\(supervised\\): KeyError: content\\.'
      )
    );
  });

  it('leave a clean check passing', () => {
    expect(run({ facts: facts({ errored: 0, conversations: [ok] }) })).toEqual(
      []
    );
  });
});

describe('a check where every comparison failed', () => {
  const failed = (n: number) => ({
    name: `rows[${n}]`,
    kind: 'supervised',
    error: 'RendererError: thinking is turned off'
  });

  it.each([
    [
      'an older agent (error set as well)',
      {
        error:
          'no conversation could be rendered: RendererError: thinking is ' +
          'turned off',
        errored: 2,
        conversations: [failed(0), failed(1)]
      }
    ],
    [
      'the agent without error',
      { identical: false, errored: 2, conversations: [failed(0), failed(1)] }
    ],
    [
      'only the count and examples',
      {
        error: 'no conversation could be rendered: RendererError: x',
        errored: 2,
        erroredExamples: [failed(0), failed(1)]
      }
    ]
  ])('is a checked warning, not "not checked": %s', (_, check) => {
    const step = tokensStep({
      facts: facts({
        model: QWEN,
        renderer: 'qwen3_disable_thinking',
        ...check
      })
    });
    expect(step.status).toBe('warning');
    expect(step.notes).toBeUndefined();
    const td403 = step.findings.find(f => f.code === 'TD403')!;
    expect(td403.severity).toBe('warning');
    expect(td403.evidence).toMatch(
      /^2( of 2)? comparisons could not be rendered; first: rows\[0\] /
    );
  });
});
