import { IFacts } from '../../src/engine/facts';
import {
  environmentRules,
  NEWEST_KNOWN_TINKER
} from '../../src/engine/rules/environment';
import {
  isDeepSeekModel,
  isVisionLanguageModel,
  modelsInUse
} from '../../src/engine/rules/envModels';
import { IDiagnosisInput, INotebookInput } from '../../src/engine/types';

const COOKBOOK_REQS = [
  'tinker>=0.23.0',
  'transformers!=5.4.*,!=5.5.0,!=5.5.1,!=5.5.2,!=5.5.3,<=5.5.4,>=4.57.6',
  'pydantic>=2.0.0',
  'numpy',
  'torch'
];

const TINKER_REQS = [
  'anyio<5,>=3.5.0',
  'httpx<1,>=0.23.0',
  'pydantic<3,>=1.9.0',
  'typing-extensions<5,>=4.10'
];

/** A healthy environment, with some packages replaced. */
function facts(
  packages: Record<string, string | null> = {},
  extra: Partial<IFacts> = {}
): IFacts {
  return {
    schema: 'tinker-doctor/facts@1',
    python: { version: '3.12.3', executable: '/opt/env/bin/python' },
    packages: {
      tinker: NEWEST_KNOWN_TINKER,
      'tinker-cookbook': '0.4.2',
      pydantic: '2.12.5',
      'pydantic-core': '2.41.5',
      transformers: '4.57.6',
      tokenizers: '0.22.1',
      torch: '2.8.0',
      numpy: '2.2.5',
      httpx: '0.28.1',
      ...packages
    },
    requirements: { tinker: TINKER_REQS, 'tinker-cookbook': COOKBOOK_REQS },
    ...extra
  };
}

function run(input: IDiagnosisInput) {
  return environmentRules.run(input);
}

function codes(input: IDiagnosisInput): string[] {
  return run(input).findings.map(f => f.code);
}

function notebook(...sources: string[]): INotebookInput {
  return {
    cells: sources.map((source, index) => ({
      index,
      id: `c${index}`,
      cellType: 'code' as const,
      source,
      outputs: [],
      executionCount: null
    }))
  };
}

describe('environment rules', () => {
  it('passes a healthy environment and marks it checked', () => {
    const result = run({ facts: facts() });
    expect(result.findings).toEqual([]);
    expect(result.checked).toEqual(['environment']);
  });

  it('checks nothing when the package list is empty', () => {
    const result = run({
      facts: { schema: 'tinker-doctor/facts@1', packages: {} }
    });
    expect(result.findings).toEqual([]);
    expect(result.checked).toEqual([]);
  });

  it('checks nothing without facts or without packages', () => {
    expect(run({}).checked).toEqual([]);
    expect(run({ facts: { schema: 'tinker-doctor/facts@1' } }).checked).toEqual(
      []
    );
  });

  describe('TD100', () => {
    it('fires when tinker is null or absent, and skips TD106', () => {
      expect(codes({ facts: facts({ tinker: null }) })).toEqual(['TD100']);
      const absent = facts();
      delete absent.packages!.tinker;
      expect(codes({ facts: absent })).toEqual(['TD100']);
    });

    it('names the interpreter and says it is not an outage', () => {
      const [f] = run({ facts: facts({ tinker: null }) }).findings;
      expect(f.evidence).toMatch(/\/opt\/env\/bin\/python/);
      expect(f.evidence).toMatch(/not a service outage/);
    });

    it('does not fire when tinker is installed', () => {
      expect(codes({ facts: facts() })).not.toContain('TD100');
    });
  });

  describe('TD101 and TD102 (pre-releases)', () => {
    it.each(['2.13.0b1', '2.13.0b2', '2.13.0rc1'])(
      'pydantic %s is TD101 (error) and not TD102',
      version => {
        const result = run({ facts: facts({ pydantic: version }) });
        expect(result.findings.map(f => f.code)).toEqual(['TD101']);
        expect(result.findings[0].severity).toBe('error');
      }
    );

    it.each(['2.13.0', '2.13.1', '2.12.5', '2.13.0.post1'])(
      'pydantic %s is neither',
      version => {
        expect(codes({ facts: facts({ pydantic: version }) })).toEqual([]);
      }
    );

    it.each(['2.13.0a1', '2.13.0.dev0', '2.14.0b1'])(
      'pydantic %s outside the 2.13 beta window is TD102',
      version => {
        expect(codes({ facts: facts({ pydantic: version }) })).toEqual([
          'TD102'
        ]);
      }
    );

    it('lists every pre-release core package in one TD102', () => {
      const result = run({
        facts: facts({
          torch: '2.10.0.dev20260101+cu128',
          numpy: '2.4.0rc1',
          tinker: '0.39.0a1',
          httpx: '1.0.dev3'
        })
      });
      const td102 = result.findings.filter(f => f.code === 'TD102');
      expect(td102).toHaveLength(1);
      expect(td102[0].evidence).toMatch(
        /torch 2\.10\.0\.dev20260101\+cu128 is a dev build/
      );
      expect(td102[0].evidence).toMatch(/numpy 2\.4\.0rc1 is a pre-release/);
      expect(td102[0].evidence).toMatch(/tinker 0\.39\.0a1/);
      expect(td102[0].evidence).toMatch(/httpx 1\.0\.dev3/);
    });

    it('ignores pre-releases of packages outside the core list', () => {
      expect(codes({ facts: facts({ anyio: '4.5.0rc1' }) })).toEqual([]);
    });

    it('does not take local labels or post-releases for pre-releases', () => {
      expect(
        codes({
          facts: facts({
            torch: '2.9.1+cu126',
            transformers: '4.57.6.post2',
            httpx: '0.28.1.post1'
          })
        })
      ).toEqual([]);
    });
  });

  describe('TD103 (transformers 5.3.0)', () => {
    it('is an error with a DeepSeek model from modelsInUse', () => {
      const result = run({
        facts: facts(
          { transformers: '5.3.0' },
          { modelsInUse: ['deepseek-ai/DeepSeek-V3.1'] }
        )
      });
      expect(result.findings.map(f => f.code)).toEqual(['TD103']);
      expect(result.findings[0].severity).toBe('error');
      expect(result.findings[0].evidence).toMatch(/DeepSeek-V3\.1/);
    });

    it('is an error with a DeepSeek client base model', () => {
      const [f] = run({
        facts: facts(
          { transformers: '5.3.0' },
          {
            clients: [
              { kind: 'TrainingClient', baseModel: 'deepseek-ai/DeepSeek-V3' }
            ]
          }
        )
      }).findings;
      expect(f.severity).toBe('error');
    });

    it('is an error with a DeepSeek model named in a cell', () => {
      const [f] = run({
        facts: facts({ transformers: '5.3.0' }),
        notebook: notebook(
          'tc = svc.create_lora_training_client(\n' +
            '    base_model="deepseek-ai/DeepSeek-V3.1", rank=8)'
        )
      }).findings;
      expect(f.code).toBe('TD103');
      expect(f.severity).toBe('error');
      expect(f.evidence).toMatch(/cell 0/);
    });

    it('is a warning without a DeepSeek model', () => {
      const [f] = run({
        facts: facts(
          { transformers: '5.3.0' },
          { modelsInUse: ['Qwen/Qwen3-8B'] }
        )
      }).findings;
      expect(f.code).toBe('TD103');
      expect(f.severity).toBe('warning');
    });

    it('covers 5.3.0 dev and pre builds, which are also TD102', () => {
      expect(codes({ facts: facts({ transformers: '5.3.0.dev0' }) })).toEqual([
        'TD102',
        'TD103'
      ]);
      expect(codes({ facts: facts({ transformers: '5.3.0rc2' }) })).toContain(
        'TD103'
      );
    });

    it.each(['5.3.1', '5.2.9', '5.30.0', '4.57.6'])(
      'does not fire for transformers %s',
      version => {
        expect(
          codes({ facts: facts({ transformers: version }) })
        ).not.toContain('TD103');
      }
    );
  });

  describe('TD104 (transformers < 5 with a vision-language model)', () => {
    it('fires for Qwen3-VL on 4.57.6', () => {
      const [f] = run({
        facts: facts({}, { modelsInUse: ['Qwen/Qwen3-VL-235B-A22B-Instruct'] })
      }).findings;
      expect(f.code).toBe('TD104');
      expect(f.evidence).toMatch(/Qwen3-VL/);
    });

    it('does not fire on transformers 5.0 or later', () => {
      expect(
        codes({
          facts: facts(
            { transformers: '5.0.0' },
            { modelsInUse: ['Qwen/Qwen3-VL-30B-A3B-Instruct'] }
          )
        })
      ).toEqual([]);
    });

    it('does not fire for a text-only model', () => {
      expect(
        codes({ facts: facts({}, { modelsInUse: ['Qwen/Qwen3-8B'] }) })
      ).toEqual([]);
    });

    it('finds the model in a cell assignment', () => {
      expect(
        codes({
          facts: facts(),
          notebook: notebook('MODEL_NAME = "moonshotai/Kimi-K2.5"')
        })
      ).toEqual(['TD104']);
    });
  });

  describe('TD105 (declared requirements)', () => {
    it('names package, version, specifier and declarer', () => {
      const [f] = run({ facts: facts({ transformers: '5.4.1' }) }).findings;
      expect(f.code).toBe('TD105');
      expect(f.title).toMatch(/transformers 5\.4\.1/);
      expect(f.evidence).toMatch(/transformers 5\.4\.1 is installed/);
      expect(f.evidence).toMatch(
        /tinker-cookbook requires transformers !=5\.4\.\*/
      );
    });

    it('reports each violation in one finding', () => {
      const [f] = run({
        facts: facts({ transformers: '5.6.0', httpx: '1.0.0' })
      }).findings;
      expect(f.code).toBe('TD105');
      expect(f.evidence.split('\n')).toHaveLength(2);
      expect(f.evidence).toMatch(/declares|requires httpx <1,>=0\.23\.0/);
    });

    it('reads the rule from the facts, not from a list of its own', () => {
      const custom = facts(
        { rich: '13.0.0' },
        { requirements: { 'tinker-cookbook': ['rich>=14'] } }
      );
      expect(codes({ facts: custom })).toEqual(['TD105']);
      const relaxed = facts(
        { transformers: '5.4.1' },
        { requirements: { 'tinker-cookbook': ['transformers>=4.57'] } }
      );
      expect(codes({ facts: relaxed })).toEqual([]);
    });

    it('skips extra-only requirements and false markers', () => {
      const f = facts(
        { torch: '1.0.0' },
        {
          requirements: {
            'tinker-cookbook': [
              'torch>=2; extra == "torch"',
              'torch>=2; python_version < "3.9"'
            ]
          }
        }
      );
      const result = run({ facts: f });
      expect(result.findings).toEqual([]);
    });

    it('applies a true marker', () => {
      const f = facts(
        { torch: '1.0.0' },
        {
          requirements: {
            'tinker-cookbook': ['torch>=2; python_version >= "3.10"']
          }
        }
      );
      expect(codes({ facts: f })).toEqual(['TD105']);
    });

    it('reads the Python version even with a build suffix', () => {
      const f = facts(
        { torch: '1.0.0' },
        {
          python: { version: '3.12.3 (main, Jan  1 2026)' },
          requirements: {
            'tinker-cookbook': ['torch>=2; python_version >= "3.12"']
          }
        }
      );
      expect(codes({ facts: f })).toEqual(['TD105']);
    });

    it('skips a marker it cannot evaluate, with a note', () => {
      const f = facts(
        { torch: '1.0.0' },
        {
          requirements: {
            'tinker-cookbook': ['torch>=2; sys_platform == "linux"']
          }
        }
      );
      const result = run({ facts: f });
      expect(result.findings).toEqual([]);
      expect(result.notes?.join('\n')).toMatch(/sys_platform/);
    });

    it('does not report packages that are not installed or not listed', () => {
      const f = facts(
        { datasets: null },
        { requirements: { 'tinker-cookbook': ['datasets>=2', 'scipy>=1.10'] } }
      );
      expect(codes({ facts: f })).toEqual([]);
    });

    it('ignores requirements of a declarer that is not installed', () => {
      const f = facts(
        { 'tinker-cookbook': null, transformers: '5.4.1' },
        { requirements: { 'tinker-cookbook': COOKBOOK_REQS } }
      );
      expect(codes({ facts: f })).toEqual([]);
    });

    it('notes an unreadable requirement instead of failing', () => {
      const f = facts({}, { requirements: { 'tinker-cookbook': ['>=>=1'] } });
      const result = run({ facts: f });
      expect(result.findings).toEqual([]);
      expect(result.notes?.join('\n')).toMatch(
        /Could not read the requirement/
      );
    });
  });

  describe('TD106 (tinker too old)', () => {
    it('fires below the newest known SDK', () => {
      const [f] = run({ facts: facts({ tinker: '0.37.9' }) }).findings;
      expect(f.code).toBe('TD106');
      expect(f.evidence).toMatch(
        new RegExp(NEWEST_KNOWN_TINKER.replace(/\./g, '\\.'))
      );
    });

    it('fires below the cookbook requirement, not as TD105', () => {
      const result = run({ facts: facts({ tinker: '0.18.2' }) });
      expect(result.findings.map(f => f.code)).toEqual(['TD106']);
      expect(result.findings[0].evidence).toMatch(
        /tinker-cookbook requires tinker >=0\.23\.0/
      );
    });

    it('does not fire at or above the newest known SDK', () => {
      expect(codes({ facts: facts({ tinker: NEWEST_KNOWN_TINKER }) })).toEqual(
        []
      );
      expect(codes({ facts: facts({ tinker: '0.40.1' }) })).toEqual([]);
    });
  });

  describe('unparseable versions', () => {
    it('note "version unknown" and never produce a finding or throw', () => {
      const result = run({
        facts: facts(
          {
            tinker: 'weird',
            pydantic: 'garbage',
            transformers: 'main@abc123'
          },
          { modelsInUse: ['deepseek-ai/DeepSeek-V3', 'Qwen/Qwen3-VL-8B'] }
        )
      });
      expect(result.findings).toEqual([]);
      const notes = result.notes?.join('\n') ?? '';
      expect(notes).toMatch(/tinker: version unknown \("weird"/);
      expect(notes).toMatch(/pydantic: version unknown \("garbage"/);
    });

    it('survives values of the wrong type', () => {
      const odd = facts();
      (odd.packages as Record<string, unknown>).numpy = 2;
      (odd.requirements as Record<string, unknown>).tinker = 'not a list';
      expect(() => run({ facts: odd })).not.toThrow();
    });
  });
});

describe('model matchers', () => {
  it.each([
    'Qwen/Qwen3-VL-235B-A22B-Instruct',
    'Qwen/Qwen2.5-VL-7B-Instruct',
    'moonshotai/Kimi-VL-A3B-Instruct',
    'OpenGVLab/InternVL3-8B',
    'meta-llama/Llama-3.2-11B-Vision-Instruct',
    'moonshotai/Kimi-K2.5',
    'moonshotai/Kimi-K2.6'
  ])('%s is a vision-language model', name => {
    expect(isVisionLanguageModel(name)).toBe(true);
  });

  it.each([
    'Qwen/Qwen3-8B',
    'moonshotai/Kimi-K2-Instruct',
    'deepseek-ai/DeepSeek-V3.1',
    'meta-llama/Llama-3.1-8B',
    'nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B'
  ])('%s is not a vision-language model', name => {
    expect(isVisionLanguageModel(name)).toBe(false);
  });

  it('recognizes DeepSeek models', () => {
    expect(isDeepSeekModel('deepseek-ai/DeepSeek-V3.1')).toBe(true);
    expect(isDeepSeekModel('Qwen/Qwen3-8B')).toBe(false);
  });

  it('does not take paths or files given to model-like names', () => {
    const seen = modelsInUse({
      notebook: notebook(
        'model_dir = "/data/vision_runs"\n' +
          'model_cfg = "configs/vision.yaml"\n' +
          'model_url = "https://example.invalid/vl"\n' +
          'MODEL = "Qwen3-VL-8B-Instruct"'
      )
    });
    expect(seen.map(s => s.name)).toEqual(['Qwen3-VL-8B-Instruct']);
  });

  it('reads model names from cells but not arbitrary strings', () => {
    const seen = modelsInUse({
      notebook: notebook(
        'base = "Qwen/Qwen3-8B"\n' +
          'data = load("HuggingFaceM4/vision-dataset")\n' +
          'tc = svc.create_lora_training_client(base_model=cfg_model)'
      )
    });
    expect(seen.map(s => s.name)).toEqual(['Qwen/Qwen3-8B']);
    expect(seen[0]).toMatchObject({ cellIndex: 0, line: 1 });
  });
});
