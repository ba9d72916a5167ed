/**
 * What the engine knows about tinker-cookbook renderers when the kernel has
 * not told it: the registered renderer names and the recommended renderers
 * per model, copied from tinker-cookbook 0.6.1 (`renderers/__init__.py`
 * `get_renderer`, `model_info.py`). The kernel's renderer check reads the
 * installed cookbook instead; its answer (`facts.checks.renderer`) wins.
 */

/** The tinker-cookbook version the bundled tables were copied from. */
export const TABLE_VERSION = '0.6.1';

/** Where the bundled tables come from, named in findings that use them. */
export const RENDERER_TABLE_SOURCE =
  'bundled table from tinker-cookbook 0.6.1 (model_info.py)';

/** Every renderer name `get_renderer` accepts in tinker-cookbook 0.6.1. */
export const KNOWN_RENDERERS: ReadonlyArray<string> = [
  'role_colon',
  'llama3',
  'qwen3',
  'qwen3_vl',
  'qwen3_vl_instruct',
  'qwen3_disable_thinking',
  'qwen3_instruct',
  'qwen3_5',
  'qwen3_5_disable_thinking',
  'qwen3_5_preserve_thinking',
  'qwen3_8_xhigh_reasoning',
  'qwen3_8_medium_reasoning',
  'qwen3_8_low_reasoning',
  'qwen3_8_disable_thinking',
  'deepseekv3',
  'deepseekv3_disable_thinking',
  'deepseekv3_thinking',
  'deepseekv4_1',
  'deepseekv4_1_low_reasoning',
  'deepseekv4_1_max_reasoning',
  'deepseekv4_1_disable_thinking',
  'deepseekv4_1_preserve_thinking',
  'glm5_3_max_reasoning',
  'glm5_3_low_reasoning',
  'glm5_3_high_reasoning',
  'kimi_k2',
  'kimi_k25',
  'kimi_k25_disable_thinking',
  'kimi_k26',
  'kimi_k26_disable_thinking',
  'kimi_k26_preserve_thinking',
  'kimi_k31_pro_max_reasoning',
  'kimi_k31_pro_high_reasoning',
  'kimi_k31_pro_low_reasoning',
  'kimi_k31_pro_disable_thinking',
  'kimi_k31_pro_no_reasoning_effort',
  'nemotron3',
  'nemotron3_low_thinking',
  'nemotron3_disable_thinking',
  'nemotron3_preserve_thinking',
  'nemotron3_ultra',
  'nemotron3_ultra_disable_thinking',
  'nemotron3_ultra_medium_thinking',
  'nemotron3_ultra_preserve_thinking',
  'gpt_oss_no_sysprompt',
  'gpt_oss_low_reasoning',
  'gpt_oss_medium_reasoning',
  'gpt_oss_high_reasoning',
  'tml_v0'
];

const QWEN3 = ['qwen3', 'qwen3_disable_thinking'];
const QWEN3_5 = [
  'qwen3_5',
  'qwen3_5_disable_thinking',
  'qwen3_5_preserve_thinking'
];
const NEMOTRON3 = [
  'nemotron3',
  'nemotron3_disable_thinking',
  'nemotron3_preserve_thinking'
];
const ULTRA = [
  'nemotron3_ultra',
  'nemotron3_ultra_disable_thinking',
  'nemotron3_ultra_medium_thinking',
  'nemotron3_ultra_preserve_thinking'
];

/**
 * Recommended renderers by lower-cased model-id prefix (the `:checkpoint`
 * suffix removed); the first matching prefix wins, so specific ids come
 * before their family.
 */
export const BUNDLED_RECOMMENDED: ReadonlyArray<[string, string[]]> = [
  ['meta-llama/llama-3.1-8b-instruct', ['llama3']],
  ['meta-llama/llama-3.3-70b-instruct', ['llama3']],
  ['meta-llama/llama-3', ['role_colon']],
  ['qwen/qwen3-vl-', ['qwen3_vl_instruct']],
  ['qwen/qwen3-8b-base', ['role_colon']],
  ['qwen/qwen3-30b-a3b-base', ['role_colon']],
  ['qwen/qwen3.5-9b-base', ['role_colon']],
  ['qwen/qwen3.5-35b-a3b-base', ['role_colon']],
  ['qwen/qwen3-4b-instruct-2507', ['qwen3_instruct']],
  ['qwen/qwen3-30b-a3b-instruct-2507', ['qwen3_instruct']],
  ['qwen/qwen3-235b-a22b-instruct-2507', ['qwen3_instruct']],
  ['qwen/qwen3.5-', QWEN3_5],
  ['qwen/qwen3.6-', QWEN3_5],
  [
    'qwen/qwen3.8-',
    [
      'qwen3_8_xhigh_reasoning',
      'qwen3_8_disable_thinking',
      'qwen3_8_medium_reasoning',
      'qwen3_8_low_reasoning'
    ]
  ],
  ['qwen/qwen3-', QWEN3],
  ['deepseek-ai/deepseek-v3.1-base', ['role_colon']],
  ['deepseek-ai/deepseek-v3', ['deepseekv3', 'deepseekv3_thinking']],
  [
    'deepseek-ai/deepseek-v4.1',
    [
      'deepseekv4_1',
      'deepseekv4_1_low_reasoning',
      'deepseekv4_1_max_reasoning',
      'deepseekv4_1_disable_thinking',
      'deepseekv4_1_preserve_thinking'
    ]
  ],
  ['openai/gpt-oss-', ['gpt_oss_no_sysprompt', 'gpt_oss_medium_reasoning']],
  ['moonshotai/kimi-k2-thinking', ['kimi_k2']],
  ['moonshotai/kimi-k2.5', ['kimi_k25', 'kimi_k25_disable_thinking']],
  [
    'moonshotai/kimi-k2.6',
    ['kimi_k26', 'kimi_k26_disable_thinking', 'kimi_k26_preserve_thinking']
  ],
  [
    'moonshotai/kimi-k3.1-pro',
    [
      'kimi_k31_pro_max_reasoning',
      'kimi_k31_pro_high_reasoning',
      'kimi_k31_pro_low_reasoning',
      'kimi_k31_pro_disable_thinking',
      'kimi_k31_pro_no_reasoning_effort'
    ]
  ],
  [
    'zai-org/glm-5.3',
    ['glm5_3_max_reasoning', 'glm5_3_low_reasoning', 'glm5_3_high_reasoning']
  ],
  ['nvidia/nvidia-nemotron-3-nano', NEMOTRON3],
  ['nvidia/nvidia-nemotron-3-super', [...NEMOTRON3, 'nemotron3_low_thinking']],
  ['nvidia/nvidia-nemotron-3-ultra', ULTRA],
  ['nvidia/nvidia-nemotron-3.5-super', ULTRA],
  [
    'nvidia/nvidia-nemotron-3.5-lightning',
    [
      'nemotron3_ultra',
      'nemotron3_ultra_disable_thinking',
      'nemotron3_ultra_preserve_thinking'
    ]
  ],
  ['thinkingmachines/inkling', ['tml_v0']]
];

/** Recommended renderers for a model from the bundled table, or null. */
export function bundledRecommended(model: string): string[] | null {
  const key = model.split(':')[0].trim().toLowerCase();
  for (const [prefix, names] of BUNDLED_RECOMMENDED) {
    if (key.startsWith(prefix)) {
      return [...names];
    }
  }
  return null;
}

/** Whether a renderer variant renders in thinking (reasoning) mode. */
export function isThinkingRenderer(name: string): boolean {
  const n = name.toLowerCase();
  if (n.includes('disable_thinking') || n.includes('no_reasoning')) {
    return false;
  }
  if (n.endsWith('_instruct')) {
    return false;
  }
  return ![
    'deepseekv3',
    'llama3',
    'role_colon',
    'gpt_oss_no_sysprompt'
  ].includes(n);
}

/**
 * The variant of the same family with the other thinking mode, when the
 * family has one (`qwen3` ↔ `qwen3_disable_thinking`), else null.
 */
export function otherThinkingVariant(name: string): string | null {
  const off = '_disable_thinking';
  if (name === 'deepseekv3' || name === 'deepseekv3_disable_thinking') {
    return 'deepseekv3_thinking';
  }
  if (name === 'deepseekv3_thinking') {
    return 'deepseekv3';
  }
  if (name.endsWith(off)) {
    const family = name.slice(0, -off.length);
    const on = KNOWN_RENDERERS.find(
      n => n.startsWith(family) && n !== name && isThinkingRenderer(n)
    );
    return on ?? null;
  }
  if (!isThinkingRenderer(name)) {
    return null;
  }
  let best: string | null = null;
  for (const candidate of KNOWN_RENDERERS) {
    if (!candidate.endsWith(off)) {
      continue;
    }
    const family = candidate.slice(0, -off.length);
    const fits = name === family || name.startsWith(family + '_');
    if (fits && (!best || candidate.length > best.length)) {
      best = candidate;
    }
  }
  return best;
}
