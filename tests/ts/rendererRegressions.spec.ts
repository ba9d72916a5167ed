/**
 * Regressions from the QA pass on the renderer triage (issue 8): which
 * model a renderer is judged against, unknown model ids, a check that could
 * not run or could not render some comparisons, think-block removal code,
 * non-finite KL at step 0 and "did you mean" for misspelt renderer names.
 */
import { diagnose } from '../../src/engine/diagnose';
import { IFacts } from '../../src/engine/facts';
import { rendererRules } from '../../src/engine/rules/renderer';
import { bundledRecommended } from '../../src/engine/rules/rendererTable';
import { readMetrics } from '../../src/engine/timing/metrics';
import {
  ICell,
  IDiagnosisInput,
  IFinding,
  IStepResult
} from '../../src/engine/types';

function notebook(...sources: string[]): IDiagnosisInput['notebook'] {
  const cells: ICell[] = sources.map((source, index) => ({
    index,
    id: `c${index}`,
    cellType: 'code',
    source,
    outputs: [],
    executionCount: index + 1
  }));
  return { cells, language: 'python' };
}

function run(input: IDiagnosisInput): IFinding[] {
  return rendererRules.run(input).findings;
}

function facts(renderer: Record<string, unknown>): IFacts {
  return { schema: 'tinker-doctor/facts@1', checks: { renderer } };
}

function tokensStep(input: IDiagnosisInput): IStepResult {
  return diagnose(input).steps.find(
    s => s.path === 'renderer' && s.id === 'tokens'
  )!;
}

const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';
const QWEN = 'Qwen/Qwen3-8B';

describe('TD401 pairs each renderer with its own model', () => {
  it('judges each config by the model in the same cell', () => {
    const f = run({
      notebook: notebook(
        'from tinker_cookbook.supervised import train\n' +
          `baseline = train.Config(model_name="${LLAMA}", ` +
          'renderer_name="llama3")',
        `candidate = train.Config(model_name="${QWEN}", renderer_name="qwen3")`
      )
    });
    expect(f.filter(x => x.code === 'TD401')).toEqual([]);
  });

  it('prefers the model in the same call over a nearer one in the cell', () => {
    const f = run({
      notebook: notebook(
        `a = Config(model_name="${LLAMA}", renderer_name="llama3")\n` +
          `b = Config(model_name="${QWEN}",\n` +
          '           renderer_name="qwen3")\n' +
          `c = Config(renderer_name="llama3", model_name="${LLAMA}")`
      )
    });
    expect(f.filter(x => x.code === 'TD401')).toEqual([]);
  });

  it('still flags a wrong renderer in the second config', () => {
    const f = run({
      notebook: notebook(
        `a = Config(model_name="${LLAMA}", renderer_name="llama3")`,
        `b = Config(model_name="${QWEN}", renderer_name="llama3")`
      )
    });
    const td401 = f.filter(x => x.code === 'TD401');
    expect(td401).toHaveLength(1);
    expect(td401[0].cellIndex).toBe(1);
    expect(td401[0].title).toContain(QWEN);
  });

  it('uses the nearest model named in an earlier cell', () => {
    const f = run({
      notebook: notebook(
        `m = "${LLAMA}"`,
        `m = "${QWEN}"`,
        'r = get_renderer("llama3", tok)'
      )
    });
    expect(f.find(x => x.code === 'TD401')?.title).toContain(QWEN);
  });

  it('uses the last model when the renderer comes before any model', () => {
    const f = run({
      notebook: notebook(
        'r = get_renderer("llama3", tok)',
        `m = "${LLAMA}"`,
        `m2 = "${QWEN}"`
      )
    });
    expect(f.find(x => x.code === 'TD401')?.title).toContain(QWEN);
  });

  it('lets the check’s model win only for the renderer it ran on', () => {
    const f = run({
      notebook: notebook(
        `a = Config(model_name="${LLAMA}", renderer_name="qwen3")`,
        `b = Config(model_name="${QWEN}", renderer_name="llama3")`
      ),
      facts: facts({
        model: QWEN,
        renderer: 'qwen3',
        recommended: ['qwen3', 'qwen3_disable_thinking'],
        recommendedSource: 'tinker_cookbook.model_info 0.6.1'
      })
    });
    const td401 = f.filter(x => x.code === 'TD401');
    expect(td401.map(x => x.cellIndex)).toEqual([1]);
    // Same model as the check's: its recommendations apply.
    expect(td401[0].evidence).toMatch(/installed cookbook/);
    expect(td401[0].evidence).toContain(`with ${QWEN}`);
  });

  it('uses the bundled table for a model the check did not look at', () => {
    const f = run({
      notebook: notebook(
        `a = Config(model_name="${LLAMA}", renderer_name="qwen3")`,
        `b = Config(model_name="${QWEN}", renderer_name="qwen3_instruct")`
      ),
      facts: facts({
        model: QWEN,
        renderer: 'qwen3_instruct',
        recommended: ['qwen3', 'qwen3_disable_thinking']
      })
    });
    const first = f.find(x => x.code === 'TD401' && x.cellIndex === 0)!;
    expect(first.evidence).toContain(`with ${LLAMA}; recommended per the`);
    expect(first.evidence).toMatch(/bundled table.*: llama3\.$/);
  });
});

describe('TD401 only for models the cookbook knows', () => {
  it('gives no recommendation for an unknown model id', () => {
    expect(bundledRecommended('Qwen/Qwen3-9B')).toBeNull();
    expect(bundledRecommended('Qwen/Qwen3-8B-Instruct')).toBeNull();
    expect(
      bundledRecommended('meta-llama/Llama-3.1-8B-Instruct-v2')
    ).toBeNull();
    const f = run({
      notebook: notebook(
        'cfg = Config(model_name="Qwen/Qwen3-9B", renderer_name="llama3")'
      )
    });
    expect(f.filter(x => x.code === 'TD401')).toEqual([]);
  });

  it('still strips a checkpoint suffix and knows the exact ids', () => {
    expect(bundledRecommended('Qwen/Qwen3-32B:step-100')).toEqual([
      'qwen3',
      'qwen3_disable_thinking'
    ]);
    expect(bundledRecommended('meta-llama/Llama-3.2-1B')).toEqual([
      'role_colon'
    ]);
    expect(
      bundledRecommended('nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16')
    ).toContain('nemotron3');
    expect(bundledRecommended('thinkingmachines/Inkling-3')).toEqual([
      'tml_v0'
    ]);
  });
});

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

describe('TD402 ignores code that removes think blocks', () => {
  const renderer = 'renderer = get_renderer("qwen3_disable_thinking", tok)';

  it.each([
    're.sub(r"<think>.*?</think>\\s*", "", text, flags=re.S)',
    "THINK = re.compile(r'<think>(.*?)</think>', re.DOTALL)",
    'pattern = r"<think>[\\s\\S]*?</think>"',
    'text.replace("<think></think>", "")',
    'text.replace("<think>", "").replace("</think>", "")',
    'answer = text.split("</think>")[-1]',
    'head, _, tail = text.partition("<think>\\n\\n</think>")'
  ])('%s', code => {
    const f = run({ notebook: notebook(renderer, code) });
    expect(f.filter(x => x.code === 'TD402')).toEqual([]);
  });

  it('still flags think blocks written as data', () => {
    for (const data of [
      'rows = [{"role": "assistant", "content": "<think>2+2=4</think>4"}]',
      'msg = f"<think>{reasoning}</think>{answer}"'
    ]) {
      const f = run({ notebook: notebook(renderer, data) });
      expect(f.map(x => x.code)).toContain('TD402');
    }
  });

  it('does not count the QA notebook’s strip_think helper', () => {
    const f = run({
      notebook: notebook(
        'from tinker_cookbook import renderers\n' +
          'renderer = renderers.get_renderer("qwen3_disable_thinking", tok)',
        'import re\ndef strip_think(text):\n' +
          '    return re.sub(r"<think>.*?</think>\\s*", "", text, ' +
          'flags=re.S)\n' +
          'rows = [{"role": m["role"], "content": strip_think(m["content"])} ' +
          'for m in raw]'
      )
    });
    expect(f.filter(x => x.code === 'TD402')).toEqual([]);
  });
});

describe('TD404 with a non-finite KL at step 0', () => {
  const parsed = (text: string) => readMetrics(text);

  it('reports Infinity (as Python writes it) as the strongest sign', () => {
    const result = rendererRules.run({
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": Infinity, ' +
          '"optim/kl_sample_train_v2": NaN}\n' +
          '{"progress/batch": 1, "optim/kl_sample_train_v1": 0.5}\n'
      )
    });
    const td404 = result.findings.filter(f => f.code === 'TD404');
    expect(td404).toHaveLength(1);
    expect(td404[0].title).toBe('Infinite sample–train KL at step 0');
    expect(td404[0].evidence).toContain('optim/kl_sample_train_v1 = Infinity');
    expect(result.notes!.join('\n')).toMatch(
      /NaN \(optim\/kl_sample_train_v2\): it could not be computed/
    );
  });

  it('reads 1e400 as infinite', () => {
    const f = run({
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": 1e400}\n'
      )
    });
    expect(f.map(x => x.code)).toEqual(['TD404']);
  });

  it('notes a NaN KL in the tokens step without a finding', () => {
    const input = {
      metrics: parsed(
        '{"progress/batch": 0, "optim/kl_sample_train_v1": NaN}\n'
      )
    };
    expect(run(input)).toEqual([]);
    expect(tokensStep(input).notes?.join()).toMatch(/could not be computed/);
  });
});

describe('TD405 suggests the nearest renderer name', () => {
  it('for a typo in the cells, from the bundled names', () => {
    const f = run({
      notebook: notebook(
        `cfg = Config(model_name="${QWEN}", ` +
          'renderer_name="qwen3_disable_thinkng")'
      )
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).toContain('Did you mean qwen3_disable_thinking?');
  });

  it('for the check’s unknown renderer, from the registered names', () => {
    const f = run({
      notebook: notebook('r = get_renderer(name, tok)'),
      facts: facts({
        model: QWEN,
        unknownRenderer: 'my_chat_fromat',
        error:
          'Unknown renderer: my_chat_fromat. Registered custom renderers: ' +
          'my_chat_format, other'
      })
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).toContain('Did you mean my_chat_format?');
  });

  it('suggests nothing for a name far from every known one', () => {
    const f = run({
      notebook: notebook('r = get_renderer("completely_different", tok)')
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).not.toContain('Did you mean');
  });
});
