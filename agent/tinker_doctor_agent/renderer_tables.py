"""What the renderer check knows without asking the kernel: the recommended
renderers per model (a fallback for when `tinker_cookbook.model_info` does
not import), each renderer's thinking mode, and the built-in conversations.
"""

import importlib

# The recommended renderers per model, used only when the installed cookbook's
# `tinker_cookbook.model_info` does not import. Source: tinker-cookbook 0.6.1,
# tinker_cookbook/model_info.py (family tuples, keyed here by name prefix).
BUNDLED_SOURCE = "bundled table from tinker-cookbook 0.6.1 model_info"
_Q3 = ["qwen3", "qwen3_disable_thinking"]
_Q35 = ["qwen3_5", "qwen3_5_disable_thinking", "qwen3_5_preserve_thinking"]
_NEMO = ["nemotron3", "nemotron3_disable_thinking", "nemotron3_preserve_thinking"]
_ULTRA = [
    "nemotron3_ultra",
    "nemotron3_ultra_disable_thinking",
    "nemotron3_ultra_medium_thinking",
    "nemotron3_ultra_preserve_thinking",
]
BUNDLED_RECOMMENDED = [
    # (lower-cased model prefix after the org, renderers); first match wins.
    ("meta-llama/llama-3.1-8b-instruct", ["llama3"]),
    ("meta-llama/llama-3.3-70b-instruct", ["llama3"]),
    ("meta-llama/llama-3", ["role_colon"]),
    ("qwen/qwen3-vl-", ["qwen3_vl_instruct"]),
    ("qwen/qwen3-8b-base", ["role_colon"]),
    ("qwen/qwen3-30b-a3b-base", ["role_colon"]),
    ("qwen/qwen3.5-9b-base", ["role_colon"]),
    ("qwen/qwen3.5-35b-a3b-base", ["role_colon"]),
    ("qwen/qwen3-4b-instruct-2507", ["qwen3_instruct"]),
    ("qwen/qwen3-30b-a3b-instruct-2507", ["qwen3_instruct"]),
    ("qwen/qwen3-235b-a22b-instruct-2507", ["qwen3_instruct"]),
    ("qwen/qwen3.5-", _Q35),
    ("qwen/qwen3.6-", _Q35),
    (
        "qwen/qwen3.8-",
        [
            "qwen3_8_xhigh_reasoning",
            "qwen3_8_disable_thinking",
            "qwen3_8_medium_reasoning",
            "qwen3_8_low_reasoning",
        ],
    ),
    ("qwen/qwen3-", _Q3),
    ("deepseek-ai/deepseek-v3.1-base", ["role_colon"]),
    ("deepseek-ai/deepseek-v3", ["deepseekv3", "deepseekv3_thinking"]),
    (
        "deepseek-ai/deepseek-v4.1",
        [
            "deepseekv4_1",
            "deepseekv4_1_low_reasoning",
            "deepseekv4_1_max_reasoning",
            "deepseekv4_1_disable_thinking",
            "deepseekv4_1_preserve_thinking",
        ],
    ),
    ("openai/gpt-oss-", ["gpt_oss_no_sysprompt", "gpt_oss_medium_reasoning"]),
    ("moonshotai/kimi-k2-thinking", ["kimi_k2"]),
    ("moonshotai/kimi-k2.5", ["kimi_k25", "kimi_k25_disable_thinking"]),
    (
        "moonshotai/kimi-k2.6",
        ["kimi_k26", "kimi_k26_disable_thinking", "kimi_k26_preserve_thinking"],
    ),
    (
        "moonshotai/kimi-k3.1-pro",
        [
            "kimi_k31_pro_max_reasoning",
            "kimi_k31_pro_high_reasoning",
            "kimi_k31_pro_low_reasoning",
            "kimi_k31_pro_disable_thinking",
            "kimi_k31_pro_no_reasoning_effort",
        ],
    ),
    (
        "zai-org/glm-5.3",
        ["glm5_3_max_reasoning", "glm5_3_low_reasoning", "glm5_3_high_reasoning"],
    ),
    ("nvidia/nvidia-nemotron-3-nano", _NEMO),
    ("nvidia/nvidia-nemotron-3-super", _NEMO + ["nemotron3_low_thinking"]),
    ("nvidia/nvidia-nemotron-3-ultra", _ULTRA),
    ("nvidia/nvidia-nemotron-3.5-super", _ULTRA),
    (
        "nvidia/nvidia-nemotron-3.5-lightning",
        [
            "nemotron3_ultra",
            "nemotron3_ultra_disable_thinking",
            "nemotron3_ultra_preserve_thinking",
        ],
    ),
    ("thinkingmachines/inkling", ["tml_v0"]),
]

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
        except (KeyError, ValueError, LookupError):
            # The installed cookbook does not list this model (a typo, or a
            # model newer than it): no recommendation, not a prefix guess.
            return [], source + " (model not listed)"
        except Exception:  # noqa: BLE001, S110 - a broken cookbook: the table
            pass
    key = model.split(":", 1)[0].lower()
    for prefix, names in BUNDLED_RECOMMENDED:
        if key.startswith(prefix):
            return list(names), BUNDLED_SOURCE
    return [], BUNDLED_SOURCE + " (model not listed)"


def thinking_mode(renderer_name):
    """Whether a renderer variant renders in thinking mode."""
    name = renderer_name.lower()
    if "disable_thinking" in name or "no_reasoning" in name:
        return False
    return not (
        name.endswith("_instruct") or name in ("deepseekv3", "llama3", "role_colon")
    )


def version(dist):
    """Installed version of a distribution, or None."""
    try:
        from importlib.metadata import version as read

        return read(dist)
    except Exception:  # noqa: BLE001 - the check reports, never raises
        return None
