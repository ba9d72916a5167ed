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

const QWEN3_8 = [
  'qwen3_8_xhigh_reasoning',
  'qwen3_8_disable_thinking',
  'qwen3_8_medium_reasoning',
  'qwen3_8_low_reasoning'
];
const DEEPSEEKV4_1 = [
  'deepseekv4_1',
  'deepseekv4_1_low_reasoning',
  'deepseekv4_1_max_reasoning',
  'deepseekv4_1_disable_thinking',
  'deepseekv4_1_preserve_thinking'
];
const GLM5_3 = [
  'glm5_3_max_reasoning',
  'glm5_3_low_reasoning',
  'glm5_3_high_reasoning'
];

/**
 * Recommended renderers by model id, exactly as `model_info.py` lists them
 * (the cookbook looks ids up exactly, case included; an id it does not list
 * is an unknown model with no recommendation).
 */
export const BUNDLED_RECOMMENDED: ReadonlyArray<[string, string[]]> = [
  ['meta-llama/Llama-3.1-8B-Instruct', ['llama3']],
  ['meta-llama/Llama-3.3-70B-Instruct', ['llama3']],
  ['meta-llama/Llama-3.2-1B', ['role_colon']],
  ['meta-llama/Llama-3.2-3B', ['role_colon']],
  ['meta-llama/Llama-3.1-8B', ['role_colon']],
  ['meta-llama/Llama-3.1-70B', ['role_colon']],
  ['Qwen/Qwen3-VL-30B-A3B-Instruct', ['qwen3_vl_instruct']],
  ['Qwen/Qwen3-VL-235B-A22B-Instruct', ['qwen3_vl_instruct']],
  ['Qwen/Qwen3-8B-Base', ['role_colon']],
  ['Qwen/Qwen3-30B-A3B-Base', ['role_colon']],
  ['Qwen/Qwen3-8B', QWEN3],
  ['Qwen/Qwen3-32B', QWEN3],
  ['Qwen/Qwen3-30B-A3B', QWEN3],
  ['Qwen/Qwen3-4B-Instruct-2507', ['qwen3_instruct']],
  ['Qwen/Qwen3-30B-A3B-Instruct-2507', ['qwen3_instruct']],
  ['Qwen/Qwen3-235B-A22B-Instruct-2507', ['qwen3_instruct']],
  ['Qwen/Qwen3.5-4B', QWEN3_5],
  ['Qwen/Qwen3.5-9B', QWEN3_5],
  ['Qwen/Qwen3.5-9B-Base', ['role_colon']],
  ['Qwen/Qwen3.5-27B', QWEN3_5],
  ['Qwen/Qwen3.5-35B-A3B', QWEN3_5],
  ['Qwen/Qwen3.5-35B-A3B-Base', ['role_colon']],
  ['Qwen/Qwen3.5-397B-A17B', QWEN3_5],
  ['Qwen/Qwen3.6-27B', QWEN3_5],
  ['Qwen/Qwen3.6-35B-A3B', QWEN3_5],
  ['Qwen/Qwen3.8-27B', QWEN3_8],
  ['deepseek-ai/DeepSeek-V3.1', ['deepseekv3', 'deepseekv3_thinking']],
  ['deepseek-ai/DeepSeek-V3.1-Base', ['role_colon']],
  ['deepseek-ai/DeepSeek-V4.1-Flash', DEEPSEEKV4_1],
  ['deepseek-ai/DeepSeek-V4.1-Flash-1017', DEEPSEEKV4_1],
  ['openai/gpt-oss-20b', ['gpt_oss_no_sysprompt', 'gpt_oss_medium_reasoning']],
  ['openai/gpt-oss-120b', ['gpt_oss_no_sysprompt', 'gpt_oss_medium_reasoning']],
  ['moonshotai/Kimi-K2-Thinking', ['kimi_k2']],
  ['moonshotai/Kimi-K2.5', ['kimi_k25', 'kimi_k25_disable_thinking']],
  [
    'moonshotai/Kimi-K2.6',
    ['kimi_k26', 'kimi_k26_disable_thinking', 'kimi_k26_preserve_thinking']
  ],
  [
    'moonshotai/Kimi-K3.1-Pro',
    [
      'kimi_k31_pro_max_reasoning',
      'kimi_k31_pro_high_reasoning',
      'kimi_k31_pro_low_reasoning',
      'kimi_k31_pro_disable_thinking',
      'kimi_k31_pro_no_reasoning_effort'
    ]
  ],
  ['zai-org/GLM-5.3', GLM5_3],
  ['zai-org/GLM-5.3-Flash', GLM5_3],
  ['nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16', NEMOTRON3],
  [
    'nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-BF16',
    [...NEMOTRON3, 'nemotron3_low_thinking']
  ],
  ['nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-BF16', ULTRA],
  ['nvidia/NVIDIA-Nemotron-3.5-Super-VL-120B-A12B-BF16', ULTRA],
  [
    'nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16',
    [
      'nemotron3_ultra',
      'nemotron3_ultra_disable_thinking',
      'nemotron3_ultra_preserve_thinking'
    ]
  ]
];

/**
 * Recommended renderers for a model from the bundled table, or null when
 * the cookbook does not know the model. Like `get_model_attributes`: the
 * `:checkpoint` suffix is removed, the id must match exactly, and any
 * `thinkingmachines/Inkling*` id is rendered by `tml_v0`.
 */
export function bundledRecommended(model: string): string[] | null {
  const id = model.split(':')[0].trim();
  const found = BUNDLED_RECOMMENDED.find(([known]) => known === id);
  if (found) {
    return [...found[1]];
  }
  return id.startsWith('thinkingmachines/Inkling') ? ['tml_v0'] : null;
}

/** Whether a renderer variant renders in thinking (reasoning) mode. */
export function isThinkingRenderer(name: string): boolean {
  // As the agent's renderer_tables.thinking_mode, read from the cookbook:
  // every gpt_oss variant reasons in the analysis channel, and
  // kimi_k31_pro_no_reasoning_effort thinks without an effort message.
  const n = name.toLowerCase();
  if (NON_THINKING.includes(n) || n.includes('disable_thinking')) {
    return false;
  }
  return !n.endsWith('_instruct') && !n.endsWith('_no_reasoning');
}

/** Built-in renderers that never write a thinking block. */
const NON_THINKING = [
  'role_colon',
  'llama3',
  'qwen3_instruct',
  'qwen3_vl_instruct',
  'deepseekv3'
];

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
