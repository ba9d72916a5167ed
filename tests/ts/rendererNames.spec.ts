/**
 * Renderer names (TD401, TD405): which model each renderer is judged
 * against, models the cookbook does not list, and what a misspelt name is
 * compared with (the kernel check's known, registered and suggested names).
 */
import { bundledRecommended } from '../../src/engine/rules/rendererTable';
import { facts, LLAMA, notebook, QWEN, run } from './rendererHelpers';

/**
 * The error the kernel agent sets for a name get_renderer does not know
 * (agent/tinker_doctor_agent/renderer_check.py): the cookbook's message,
 * its own "Did you mean" (names in Python repr) and the custom names.
 */
function agentError(name: string, close: string[], custom: string[]): string {
  return (
    `Unknown renderer: ${name}. If this is a custom renderer, please ` +
    'register it via register_renderer().' +
    (close.length > 0
      ? ` Did you mean ${close.map(n => `'${n}'`).join(' or ')}?`
      : '') +
    ' Registered custom renderers: ' +
    (custom.join(', ') || 'none')
  );
}

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

  it('for an older agent’s unknown name, from its registered list', () => {
    const f = run({
      notebook: notebook('r = get_renderer(name, tok)'),
      facts: facts({
        model: QWEN,
        unknownRenderer: 'my_chat_fromat',
        error: agentError('my_chat_fromat', [], ['my_chat_format', 'other'])
      })
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).toContain('Did you mean my_chat_format?');
  });

  it('says "Did you mean" once when the agent’s error has it', () => {
    const close = ['my_chat_format'];
    const f = run({
      notebook: notebook('r = get_renderer(name, tok)'),
      facts: facts({
        model: QWEN,
        unknownRenderer: 'my_chat_fromat',
        didYouMean: close,
        registeredRenderers: ['my_chat_format', 'other'],
        error: agentError('my_chat_fromat', close, ['my_chat_format', 'other'])
      })
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence.match(/did you mean/gi)).toHaveLength(1);
    expect(td405.evidence).toContain("Did you mean 'my_chat_format'?");
  });

  it('prefers the check’s didYouMean to its own guess', () => {
    const f = run({
      notebook: notebook('r = get_renderer("qwen3_thinkng", tok)'),
      facts: facts({
        model: QWEN,
        unknownRenderer: 'qwen3_thinkng',
        didYouMean: ['qwen3_disable_thinking', 'qwen3'],
        error: 'Unknown renderer: qwen3_thinkng.'
      })
    });
    const td405 = f.filter(x => x.code === 'TD405');
    // The static finding (cell 0) and the check's finding say the same.
    expect(td405).toHaveLength(2);
    for (const finding of td405) {
      expect(finding.evidence).toContain(
        'Did you mean qwen3_disable_thinking or qwen3?'
      );
    }
  });

  it('suggests nothing for a name far from every known one', () => {
    const f = run({
      notebook: notebook('r = get_renderer("completely_different", tok)')
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).not.toContain('Did you mean');
  });
});

describe('renderer names the kernel check reports', () => {
  it('accepts names it reports as built in or registered', () => {
    const f = run({
      notebook: notebook(
        'a = get_renderer("qwen4_future", tok)',
        'b = get_renderer("house_chat", tok)'
      ),
      facts: facts({
        knownRenderers: ['qwen3', 'qwen4_future'],
        registeredRenderers: ['house_chat']
      })
    });
    expect(f.filter(x => x.code === 'TD405')).toEqual([]);
  });

  it('suggests from them for a typo', () => {
    const f = run({
      notebook: notebook('r = get_renderer("house_chta", tok)'),
      facts: facts({
        knownRenderers: ['qwen3'],
        registeredRenderers: ['house_chat']
      })
    });
    const td405 = f.find(x => x.code === 'TD405')!;
    expect(td405.evidence).toContain('Did you mean house_chat?');
  });
});
