"""What the renderer check knows without asking the kernel: the recommended
renderers per model (a fallback for when `tinker_cookbook.model_info` does
not import), each renderer's thinking mode, and the built-in conversations.
"""

import importlib

# The recommended renderers per model, used only when the installed cookbook's
# `tinker_cookbook.model_info` does not import. Source: tinker-cookbook 0.6.1,
# tinker_cookbook/model_info.py, keyed by exact model id like the cookbook
# (and like src/engine/rules/rendererTable.ts, which must list the same ids).
BUNDLED_SOURCE = "bundled table from tinker-cookbook 0.6.1 model_info"
_Q3 = ["qwen3", "qwen3_disable_thinking"]
_Q35 = ["qwen3_5", "qwen3_5_disable_thinking", "qwen3_5_preserve_thinking"]
_Q38 = [
    "qwen3_8_xhigh_reasoning",
    "qwen3_8_disable_thinking",
    "qwen3_8_medium_reasoning",
    "qwen3_8_low_reasoning",
]
_DSV4 = [
    "deepseekv4_1",
    "deepseekv4_1_low_reasoning",
    "deepseekv4_1_max_reasoning",
    "deepseekv4_1_disable_thinking",
    "deepseekv4_1_preserve_thinking",
]
_OSS = ["gpt_oss_no_sysprompt", "gpt_oss_medium_reasoning"]
_GLM = ["glm5_3_max_reasoning", "glm5_3_low_reasoning", "glm5_3_high_reasoning"]
_NEMO = ["nemotron3", "nemotron3_disable_thinking", "nemotron3_preserve_thinking"]
_ULTRA = [
    "nemotron3_ultra",
    "nemotron3_ultra_disable_thinking",
    "nemotron3_ultra_medium_thinking",
    "nemotron3_ultra_preserve_thinking",
]
BUNDLED_RECOMMENDED = {
    "meta-llama/Llama-3.1-8B-Instruct": ["llama3"],
    "meta-llama/Llama-3.3-70B-Instruct": ["llama3"],
    "meta-llama/Llama-3.2-1B": ["role_colon"],
    "meta-llama/Llama-3.2-3B": ["role_colon"],
    "meta-llama/Llama-3.1-8B": ["role_colon"],
    "meta-llama/Llama-3.1-70B": ["role_colon"],
    "Qwen/Qwen3-VL-30B-A3B-Instruct": ["qwen3_vl_instruct"],
    "Qwen/Qwen3-VL-235B-A22B-Instruct": ["qwen3_vl_instruct"],
    "Qwen/Qwen3-8B-Base": ["role_colon"],
    "Qwen/Qwen3-30B-A3B-Base": ["role_colon"],
    "Qwen/Qwen3-8B": _Q3,
    "Qwen/Qwen3-32B": _Q3,
    "Qwen/Qwen3-30B-A3B": _Q3,
    "Qwen/Qwen3-4B-Instruct-2507": ["qwen3_instruct"],
    "Qwen/Qwen3-30B-A3B-Instruct-2507": ["qwen3_instruct"],
    "Qwen/Qwen3-235B-A22B-Instruct-2507": ["qwen3_instruct"],
    "Qwen/Qwen3.5-4B": _Q35,
    "Qwen/Qwen3.5-9B": _Q35,
    "Qwen/Qwen3.5-9B-Base": ["role_colon"],
    "Qwen/Qwen3.5-27B": _Q35,
    "Qwen/Qwen3.5-35B-A3B": _Q35,
    "Qwen/Qwen3.5-35B-A3B-Base": ["role_colon"],
    "Qwen/Qwen3.5-397B-A17B": _Q35,
    "Qwen/Qwen3.6-27B": _Q35,
    "Qwen/Qwen3.6-35B-A3B": _Q35,
    "Qwen/Qwen3.8-27B": _Q38,
    "deepseek-ai/DeepSeek-V3.1": ["deepseekv3", "deepseekv3_thinking"],
    "deepseek-ai/DeepSeek-V3.1-Base": ["role_colon"],
    "deepseek-ai/DeepSeek-V4.1-Flash": _DSV4,
    "deepseek-ai/DeepSeek-V4.1-Flash-1017": _DSV4,
    "openai/gpt-oss-20b": _OSS,
    "openai/gpt-oss-120b": _OSS,
    "moonshotai/Kimi-K2-Thinking": ["kimi_k2"],
    "moonshotai/Kimi-K2.5": ["kimi_k25", "kimi_k25_disable_thinking"],
    "moonshotai/Kimi-K2.6": [
        "kimi_k26",
        "kimi_k26_disable_thinking",
        "kimi_k26_preserve_thinking",
    ],
    "moonshotai/Kimi-K3.1-Pro": [
        "kimi_k31_pro_max_reasoning",
        "kimi_k31_pro_high_reasoning",
        "kimi_k31_pro_low_reasoning",
        "kimi_k31_pro_disable_thinking",
        "kimi_k31_pro_no_reasoning_effort",
    ],
    "zai-org/GLM-5.3": _GLM,
    "zai-org/GLM-5.3-Flash": _GLM,
    "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16": _NEMO,
    "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-BF16": _NEMO + ["nemotron3_low_thinking"],
    "nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-BF16": _ULTRA,
    "nvidia/NVIDIA-Nemotron-3.5-Super-VL-120B-A12B-BF16": _ULTRA,
    "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16": [
        "nemotron3_ultra",
        "nemotron3_ultra_disable_thinking",
        "nemotron3_ultra_preserve_thinking",
    ],
}
# Like the cookbook: any Inkling id, listed or not, is rendered by tml_v0.
INKLING_PREFIX = "thinkingmachines/Inkling"
INKLING_RENDERERS = ["tml_v0"]

BUILTIN = [
    (
        "system-and-turns",
        [
            {"role": "system", "content": "You are a careful math tutor."},
            {"role": "user", "content": "What is 2+2?"},
            {"role": "assistant", "content": "2+2 is 4."},
            {"role": "user", "content": "And times 3?"},
            {"role": "assistant", "content": "4 times 3 is 12."},
        ],
    ),
    (
        "thinking",
        [
            {"role": "user", "content": "Is 91 prime?"},
            {
                "role": "assistant",
                "content": "No: 91 = 7 x 13.",
                "thinking": "Try small primes. 91 / 7 = 13, so it factors.",
            },
        ],
    ),
    (
        "tool-call",
        [
            {"role": "system", "content": "You can call tools."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
            },
            {"role": "tool", "name": "get_weather", "content": '{"temp_c": 18}'},
            {"role": "assistant", "content": "It is 18 degrees C in Paris."},
        ],
    ),
]


def recommended_for(model):
    """(recommended renderer names, where they came from) for a model id."""
    try:
        model_info = importlib.import_module("tinker_cookbook.model_info")
    except Exception:  # noqa: BLE001 - no cookbook: the bundled table
        model_info = None
    if model_info is not None:
        installed = version("tinker-cookbook") or "(version unknown)"
        source = f"tinker_cookbook.model_info {installed}"
        getter = getattr(model_info, "get_recommended_renderer_names", None)
        try:
            if getter is not None:
                return list(getter(model)), source
            return [model_info.get_recommended_renderer_name(model)], source
        except (LookupError, ValueError):
            # The installed cookbook does not list this model (a typo, or a
            # model newer than it): no recommendation, not a prefix guess.
            return [], source + " (model not listed)"
        except Exception:  # noqa: BLE001, S110 - a broken cookbook: the table
            pass
    names = bundled_recommended(model)
    if names is None:
        return [], BUNDLED_SOURCE + " (model not listed)"
    return names, BUNDLED_SOURCE


def bundled_recommended(model):
    """The bundled table's renderers for a model id, or None when it is not
    listed: the `:checkpoint` suffix is dropped and the id must match
    exactly (case included), like `model_info.get_model_attributes`."""
    key = str(model).split(":", 1)[0].strip()
    if key in BUNDLED_RECOMMENDED:
        return list(BUNDLED_RECOMMENDED[key])
    if key.startswith(INKLING_PREFIX):
        return list(INKLING_RENDERERS)
    return None


# Built-in renderers that render without thinking (tinker-cookbook 0.6.1
# `get_renderer` docstring and classes), besides every `*_disable_thinking`.
# Every gpt_oss variant renders reasoning in the analysis channel
# (`gpt_oss_no_sysprompt` only leaves out the system prompt), and
# `kimi_k31_pro_no_reasoning_effort` thinks without an effort message.
NON_THINKING = (
    "role_colon",
    "llama3",
    "qwen3_instruct",
    "qwen3_vl_instruct",
    "deepseekv3",
)


def thinking_mode(renderer_name: str) -> bool:
    """Whether a renderer variant renders in thinking mode: the built-in
    names exactly; a custom name by its suffix (`_disable_thinking`,
    `_instruct`, `_no_reasoning` mean no thinking)."""
    name = str(renderer_name).lower()
    if name in NON_THINKING or "disable_thinking" in name:
        return False
    return not name.endswith(("_instruct", "_no_reasoning"))


def version(dist):
    """Installed version of a distribution, or None."""
    try:
        from importlib.metadata import version as read

        return read(dist)
    except Exception:  # noqa: BLE001 - the check reports, never raises
        return None
