/**
 * The renderer rules beyond the shared cases: other models, other spellings,
 * the check's per-conversation results, metrics and static weight bugs.
 */
import { rendererRules } from '../../src/engine/rules/renderer';
import {
  bundledRecommended,
  isThinkingRenderer,
  otherThinkingVariant
} from '../../src/engine/rules/rendererTable';
import { MetricsRow } from '../../src/engine/types';
import { codes, facts, notebook, run } from './rendererHelpers';

describe('TD401 renderer not recommended', () => {
  it('uses and names the bundled table when the kernel has not checked', () => {
    const f = run({
      notebook: notebook(
        'cfg = Config(model_name="meta-llama/Llama-3.1-8B-Instruct",\n' +
          '             renderer_name="qwen3")'
      )
    });
    const td401 = f.find(x => x.code === 'TD401')!;
    expect(td401.line).toBe(2);
    expect(td401.evidence).toMatch(/llama3/);
    expect(td401.evidence).toMatch(/tinker-cookbook 0\.6\.1/);
  });

  it('accepts a recommended renderer written in a config dict', () => {
    expect(
      codes({
        notebook: notebook(
          'config = {"model_name": "meta-llama/Llama-3.1-8B-Instruct",\n' +
            '          "renderer_name": "llama3"}'
        )
      })
    ).toEqual([]);
  });

  it('strips a checkpoint suffix from the model id', () => {
    const f = run({
      notebook: notebook(
        'm = "Qwen/Qwen3-32B:step-100"\nr = get_renderer("llama3", tok)'
      )
    });
    expect(f.map(x => x.code)).toEqual(['TD401']);
  });

  it('says nothing for a model it does not know', () => {
    expect(
      codes({
        notebook: notebook(
          'base_model = "acme/house-model-7b"\nr = get_renderer("qwen3", tok)'
        )
      })
    ).toEqual([]);
  });

  it('prefers the recommendations the kernel read from the cookbook', () => {
    const input = {
      notebook: notebook('r = renderers.get_renderer("qwen3", tok)'),
      facts: facts({ model: 'Qwen/Qwen3-8B', recommended: ['qwen3_instruct'] })
    };
    const td401 = run(input).find(x => x.code === 'TD401')!;
    expect(td401.evidence).toMatch(/installed cookbook/);
    expect(td401.fix).toMatch(/qwen3_instruct/);
  });

  it('ignores a commented-out renderer', () => {
    expect(
      codes({
        notebook: notebook(
          'model = "Qwen/Qwen3-8B"\n# r = get_renderer("llama3", tok)\n' +
            'r = get_renderer("qwen3", tok)'
        )
      })
    ).toEqual([]);
  });
});

describe('TD405 unknown renderer (static)', () => {
  it('flags an unknown name given as a config field', () => {
    const f = run({
      notebook: notebook('cfg = Config(renderer_name="llama-3")')
    });
    expect(f.map(x => [x.code, x.line])).toEqual([['TD405', 1]]);
  });

  it('is only a warning when the kernel has a newer cookbook', () => {
    const f = run({
      notebook: notebook('r = get_renderer("qwen4_future", tok)'),
      facts: {
        schema: 'tinker-doctor/facts@1',
        packages: { 'tinker-cookbook': '0.7.0' }
      }
    });
    expect(f.map(x => [x.code, x.severity])).toEqual([['TD405', 'warning']]);
    expect(f[0].evidence).toMatch(/0\.7\.0/);
  });

  it('accepts a custom renderer registered in the notebook', () => {
    const f = codes({
      notebook: notebook(
        'register_renderer("my_chatml", make_mine)',
        'r = get_renderer("my_chatml", tok)'
      )
    });
    expect(f).not.toContain('TD405');
  });
});

describe('TD402 thinking data and renderer variant', () => {
  it('flags reasoning literals rendered by a disable-thinking variant', () => {
    const f = run({
      notebook: notebook(
        'ex = [{"role": "user", "content": "Q"},\n' +
          ' {"role": "assistant", ' +
          '"content": "<think>\\nhmm\\n</think>\\n\\nA"}]',
        'model = "Qwen/Qwen3.5-27B"\n' +
          'r = get_renderer("qwen3_5_disable_thinking", tok)'
      )
    });
    const td402 = f.find(x => x.code === 'TD402')!;
    expect([td402.cellIndex, td402.line]).toEqual([1, 2]);
    expect(td402.fix).toMatch(/qwen3_5/);
  });

  it('notes a thinking variant with data that never reasons', () => {
    const f = run({
      notebook: notebook(
        'ex = [{"role": "user", "content": "Q"}, ' +
          '{"role": "assistant", "content": "A"}]',
        'r = get_renderer("nemotron3", tok)'
      )
    });
    const td402 = f.find(x => x.code === 'TD402')!;
    expect(td402.severity).toBe('info');
    expect(td402.fix).toMatch(/nemotron3_disable_thinking/);
  });

  it('stays quiet for a family whose reasoning cannot be disabled', () => {
    expect(
      codes({
        notebook: notebook(
          'ex = {"role": "assistant", "content": "<think>x</think>y"}',
          'r = get_renderer("glm5_3_low_reasoning", tok)'
        )
      })
    ).not.toContain('TD402');
  });

  it('reports the check refusing reasoning data', () => {
    const f = run({
      facts: facts({
        renderer: 'qwen3_disable_thinking',
        conversations: [
          {
            name: 'rows[0]',
            kind: 'supervised',
            error:
              'RendererError: Qwen3DisableThinkingRenderer has thinking ' +
              'turned off'
          }
        ]
      })
    });
    expect(f.map(x => x.code)).toContain('TD402');
  });
});

describe('TD403 from the check', () => {
  const window = {
    renderer: { position: 0, before: '', after: '<|begin_of_text|>' },
    template: { position: 0, before: '', after: '<|im_start|>system' }
  };

  it('reports a real mismatch as an error with the decoded window', () => {
    const f = run({
      facts: facts({
        model: 'Qwen/Qwen3-8B',
        renderer: 'llama3',
        conversations: [
          { name: 'a', kind: 'generation', identical: true },
          {
            name: 'b',
            kind: 'generation',
            identical: false,
            firstDiff: 0,
            benign: null,
            realDiff: { renderer: 0, template: 0 },
            kindOfDifference: 'different tokens',
            window
          }
        ]
      })
    });
    expect(f).toHaveLength(1);
    expect(f[0].severity).toBe('error');
    expect(f[0].evidence).toMatch(/1 of 2 comparisons differ/);
    expect(f[0].evidence).toMatch(/<\|im_start\|>system/);
    expect(f[0].evidence).toMatch(/<\|begin_of_text\|>/);
  });

  it('names benign differences as info', () => {
    const f = run({
      facts: facts({
        renderer: 'qwen3_instruct',
        conversations: [
          {
            name: 'a',
            kind: 'generation',
            identical: false,
            benign: {
              name: 'default-system-prompt',
              explanation: 'the template injects a default system prompt'
            }
          }
        ]
      })
    });
    expect(f.map(x => [x.code, x.severity])).toEqual([['TD403', 'info']]);
    expect(f[0].title).toMatch(/default-system-prompt/);
  });

  it('explains the user’s comparison when only its options differ', () => {
    const f = run({
      facts: facts({
        renderer: 'qwen3',
        conversations: [
          {
            name: 'a',
            kind: 'generation',
            identical: true,
            userComparison: {
              identical: false,
              benign: { name: 'thinking-flag', explanation: 'modes differ' }
            }
          }
        ]
      })
    });
    expect(f.map(x => [x.code, x.severity])).toEqual([['TD403', 'info']]);
    expect(f[0].evidence).toMatch(/thinking-flag/);
  });

  it('says nothing for identical tokens or trailing whitespace only', () => {
    const result = rendererRules.run({
      facts: facts({
        renderer: 'qwen3',
        conversations: [
          { name: 'a', kind: 'generation', identical: true },
          {
            name: 'a',
            kind: 'supervised',
            identical: false,
            benign: { name: 'trailing-whitespace', explanation: '' }
          }
        ]
      })
    });
    expect(result.findings).toEqual([]);
    expect(result.checked).toContain('tokens');
  });

  it('notes a check that could not run instead of a finding', () => {
    const result = rendererRules.run({
      facts: facts({ error: 'the tokenizer of X is not available offline' })
    });
    expect(result.findings).toEqual([]);
    expect(result.checked).not.toContain('tokens');
    expect(result.stepNotes!.tokens.join()).toMatch(/not available offline/);
    expect(result.notes).toEqual([]);
  });
});

describe('TD404 sample-train KL at step 0', () => {
  const metrics = (rows: MetricsRow[]) => ({ rows, notes: [] });

  it('stays quiet below the threshold', () => {
    expect(
      codes({
        metrics: metrics([
          { step: 0, 'optim/kl_sample_train_v2': 0.002 },
          { step: 1, 'optim/kl_sample_train_v2': 0.2 }
        ])
      })
    ).toEqual([]);
  });

  it('ignores a run whose first logged row is not step 0', () => {
    expect(
      codes({
        metrics: metrics([
          { 'progress/batch': 40, 'optim/kl_sample_train_v1': 0.3 }
        ])
      })
    ).toEqual([]);
  });

  it('says the data is far when the check found identical tokens', () => {
    const f = run({
      metrics: metrics([{ step: 0, 'optim/kl_sample_train_v2': 0.04 }]),
      facts: facts({ identical: true, conversations: [] })
    });
    expect(f.map(x => x.code)).toEqual(['TD404']);
    expect(f[0].evidence).toMatch(/far from the model/);
  });
});

describe('TD406 all-zero loss weights (static)', () => {
  it('flags weights built as zeros and put in a datum', () => {
    const f = run({
      notebook: notebook(
        'tokens = tok.encode(text)\nweights = [0.0] * len(tokens)\n' +
          'd = types.Datum(model_input=mi, loss_fn_inputs={"weights": weights})'
      )
    });
    expect(f.map(x => [x.code, x.line])).toEqual([['TD406', 2]]);
  });

  it('accepts prompt-masked weights and zeros filled in later', () => {
    const datum =
      'd = types.Datum(model_input=mi, loss_fn_inputs={"weights": weights})';
    expect(
      codes({
        notebook: notebook(
          'weights = [0.0] * len(prompt) + [1.0] * len(completion)\n' + datum
        )
      })
    ).toEqual([]);
    expect(
      codes({
        notebook: notebook(
          'weights = np.zeros(len(tokens))\n' +
            'weights[len(prompt):] = 1.0\n' +
            datum
        )
      })
    ).toEqual([]);
    expect(
      codes({
        notebook: notebook('weights = torch.zeros_like(target)\n' + datum)
      })
    ).toEqual(['TD406']);
  });

  it('flags CUSTOMIZED training when no message is trainable', () => {
    const src =
      'mi, w = renderer.build_supervised_example(msgs,\n' +
      '    train_on_what=TrainOnWhat.CUSTOMIZED)';
    expect(codes({ notebook: notebook(src) })).toEqual(['TD406']);
    expect(
      codes({
        notebook: notebook(
          'msgs = [{"role": "assistant", "content": "A", "trainable": True}]',
          src
        )
      })
    ).toEqual([]);
  });
});

describe('renderer table', () => {
  it('knows each thinking variant’s counterpart', () => {
    expect(otherThinkingVariant('qwen3')).toBe('qwen3_disable_thinking');
    expect(otherThinkingVariant('qwen3_5_preserve_thinking')).toBe(
      'qwen3_5_disable_thinking'
    );
    expect(otherThinkingVariant('deepseekv3')).toBe('deepseekv3_thinking');
    expect(otherThinkingVariant('glm5_3_low_reasoning')).toBeNull();
    expect(isThinkingRenderer('qwen3_instruct')).toBe(false);
    expect(
      bundledRecommended('nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16')
    ).toContain('nemotron3');
  });
});

describe('thinking mode of a renderer, as the cookbook renders it', () => {
  it('counts every gpt_oss variant and Kimi without effort as thinking', () => {
    expect(isThinkingRenderer('gpt_oss_no_sysprompt')).toBe(true);
    expect(isThinkingRenderer('gpt_oss_medium_reasoning')).toBe(true);
    expect(isThinkingRenderer('kimi_k31_pro_no_reasoning_effort')).toBe(true);
  });

  it('counts instruct, disable-thinking and no-reasoning names as not', () => {
    for (const name of [
      'qwen3_instruct',
      'qwen3_vl_instruct',
      'qwen3_disable_thinking',
      'deepseekv3',
      'llama3',
      'role_colon',
      'my_model_no_reasoning'
    ]) {
      expect(isThinkingRenderer(name)).toBe(false);
    }
  });
});

describe('TD405 and TD406 from the check', () => {
  it('reports the renderer the kernel could not build', () => {
    const f = run({
      facts: facts({
        model: 'Qwen/Qwen3-8B',
        renderer: 'qwen3_thinking',
        unknownRenderer: 'qwen3_thinking',
        recommended: ['qwen3', 'qwen3_disable_thinking'],
        error:
          'Unknown renderer: qwen3_thinking. Registered custom renderers: none'
      })
    });
    expect(f.map(x => x.code)).toEqual(['TD405']);
    expect(f[0].fix).toMatch(/qwen3, qwen3_disable_thinking/);
  });

  it('flags named training data whose examples carry no loss weight', () => {
    const conversations = [
      { name: 'p.jsonl:1', kind: 'generation', identical: true },
      { name: 'p.jsonl:1', kind: 'supervised', identical: true, lossTokens: 0 }
    ];
    const named = run({
      facts: facts({ conversationSource: 'file p.jsonl', conversations })
    });
    expect(named.map(x => x.code)).toEqual(['TD406']);
    expect(named[0].evidence).toMatch(/p\.jsonl:1/);
    const builtIn = run({
      facts: facts({ conversationSource: 'built-in', conversations })
    });
    expect(builtIn.map(x => x.code)).toEqual([]);
  });
});

describe('the check’s own notes', () => {
  it('are shown as engine notes, after an error or a result', () => {
    const said = rendererRules.run({
      facts: facts({
        model: 'Qwen/Qwen3-8B',
        renderer: 'qwen3_instruct',
        conversations: [],
        notes: [
          'the renderer in renderer was built for Qwen/Qwen3-8B, while ' +
            'local/bigram-byte is in use in this kernel',
          42
        ]
      })
    }).notes;
    expect(said).toEqual([
      'Renderer check: the renderer in renderer was built for ' +
        'Qwen/Qwen3-8B, while local/bigram-byte is in use in this kernel'
    ]);
    const failed = rendererRules.run({
      facts: facts({ error: 'no renderer found', notes: ['checked nothing'] })
    }).notes;
    // Why it could not run is a note of the tokens step.
    expect(failed).toEqual(['Renderer check: checked nothing']);
  });
});
