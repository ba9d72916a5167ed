"""The renderer check: do the renderer's tokens match the model's template?

Runs in the user's kernel (called by the comm handler in a worker thread).
It finds the base model and the renderer in use, renders a set of
conversations with the installed tinker-cookbook renderer (generation prompts
and supervised examples) and with the tokenizer's `apply_chat_template`, and
reports, per conversation, identical or the first differing position with
decoded tokens on both sides. Known benign differences are named.

Rules: standard library plus what the kernel already has; never raises, never
prints, never downloads (tokenizers load with `local_files_only=True`), never
imports tinker when the user has not (unless `args.allowImport`).
"""

import re
import sys
import traceback

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

MODEL_ORGS = (
    "meta-llama",
    "Qwen",
    "deepseek-ai",
    "openai",
    "moonshotai",
    "zai-org",
    "nvidia",
    "thinkingmachines",
)

# Template keyword arguments that select a thinking mode or history handling.
THINKING_KWARGS = (
    "enable_thinking",
    "thinking",
    "keep_history_thinking",
    "truncate_history_thinking",
    "preserve_thinking",
    "reasoning_effort",
)

# How many tokens of context the window shows on each side.
WINDOW = 8
# Longest run of tokens tried as an insertion when explaining a difference
# (a default system prompt or a date header is well under this).
MAX_INSERTION = 400
# Tokens that must agree after a candidate insertion to accept it.
RESYNC = 6
# How many conversations of a user's variable are compared.
SAMPLE = 3

_BUILTIN = [
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
                "tool_calls": [
                    {"name": "get_weather", "arguments": {"city": "Paris"}}
                ],
            },
            {"role": "tool", "name": "get_weather", "content": '{"temp_c": 18}'},
            {"role": "assistant", "content": "It is 18 degrees C in Paris."},
        ],
    ),
]


def run(args=None) -> dict:
    """Run the renderer check; return a JSON-able dict (never raises).

    args (all optional): `model`, `renderer`, `tokenizerPath`,
    `cellSources` (list of str or {source}), `messagesVariable` (a name in
    the user namespace), `templateKwargs` (the user's own comparison
    options), `namespace` (a dict, for tests), `allowImport` (bool).
    """
    result = {"model": None, "renderer": None, "recommended": [], "notes": []}
    try:
        _run(dict(args or {}), result)
    except Exception as error:  # never raise into the kernel
        result["error"] = "renderer check failed: %s: %s" % (
            type(error).__name__,
            error,
        )
        result["traceback"] = traceback.format_exc(limit=6)
    return result


def _run(args, result):
    cells = [_cell_text(c) for c in args.get("cellSources") or []]
    namespace = args.get("namespace")
    if namespace is None:
        namespace = _user_namespace()
    live = _find_live_renderer(namespace)
    result["model"] = (
        args.get("model")
        or _model_from_clients(namespace)
        or (live and live.get("model"))
        or _model_from_cells(cells)
    )
    result["renderer"] = (
        args.get("renderer")
        or (live and live.get("name"))
        or _renderer_from_cells(cells)
    )
    if result["model"]:
        result["recommended"], result["recommendedSource"] = recommended_for(
            result["model"]
        )
    if not result["renderer"]:
        result["error"] = (
            "no renderer found: name one (get_renderer(\"...\", tokenizer) or "
            "renderer_name=...) in a cell, or pass it to the check"
        )
        return
    if "tinker" not in sys.modules and not args.get("allowImport"):
        result["error"] = (
            "tinker is not imported in this kernel and rendering needs "
            "tinker_cookbook.renderers (which imports it); run your import "
            "cell first, or allow the check to import it"
        )
        return
    try:
        from tinker_cookbook import renderers
    except Exception as error:
        result["error"] = "tinker-cookbook is not importable in this kernel: %s" % error
        return
    result["cookbookVersion"] = _version("tinker-cookbook")

    tokenizer, source = _find_tokenizer(args, live, namespace, result["model"])
    if tokenizer is None:
        result["error"] = source
        return
    result["tokenizerSource"] = source
    if not hasattr(tokenizer, "apply_chat_template") or not getattr(
        tokenizer, "chat_template", None
    ):
        result["error"] = "the tokenizer has no chat template to compare with"
        return

    name = result["renderer"]
    if live and live.get("name") == name and live.get("tokenizer") is tokenizer:
        renderer = live["object"]
    else:
        renderer = renderers.get_renderer(name, tokenizer, model_name=result["model"])
    thinking = thinking_mode(name)
    result["thinking"] = thinking
    matched = {"enable_thinking": thinking, "thinking": thinking}
    user_kwargs = args.get("templateKwargs")
    if user_kwargs is None:
        user_kwargs = _kwargs_from_cells(cells)
    conversations, origin = _conversations(args, namespace)
    result["conversationSource"] = origin
    if origin == "built-in" and not thinking:
        # A non-thinking renderer refuses (or cannot show) reasoning turns:
        # the built-in set drops them; the user's own data is kept as it is.
        conversations = [(n, _without_thinking(m)) for n, m in conversations]

    compared = []
    for label, messages in conversations:
        for kind in ("generation", "supervised"):
            try:
                entry = compare_one(renderer, tokenizer, messages, kind, matched)
            except Exception as error:
                entry = {"error": "%s: %s" % (type(error).__name__, error)}
            entry.update({"name": label, "kind": kind})
            if user_kwargs is not None and _differs(user_kwargs, matched):
                entry["userComparison"] = _user_comparison(
                    renderer,
                    tokenizer,
                    messages,
                    kind,
                    user_kwargs,
                    name,
                    entry.get("identical") or entry.get("benign") is not None,
                )
            compared.append(entry)
    result["conversations"] = compared
    _summarise(result, compared, _decoder(tokenizer))


# --- discovery ------------------------------------------------------------


def _user_namespace():
    try:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython else None
        return dict(shell.user_ns) if shell is not None else {}
    except Exception:
        return {}


def _cell_text(cell):
    if isinstance(cell, dict):
        return str(cell.get("source") or "")
    return str(cell)


def _find_live_renderer(namespace):
    """The most recently bound cookbook renderer object in the namespace."""
    found = None
    for key, value in list(namespace.items()):
        if key.startswith("_"):
            continue
        module = type(value).__module__ or ""
        if module.startswith("tinker_cookbook.renderers") and hasattr(
            value, "build_generation_prompt"
        ):
            found = {
                "object": value,
                "name": getattr(value, "_renderer_name", None),
                "model": getattr(value, "_model_name", None),
                "tokenizer": getattr(value, "tokenizer", None),
                "variable": key,
            }
    return found


def _model_from_clients(namespace):
    """Base model of a live Tinker client, read from attributes only."""
    for value in list(namespace.values()):
        module = type(value).__module__ or ""
        if not module.startswith("tinker"):
            continue
        name = getattr(value, "_base_model", None)
        info = getattr(value, "_info", None)
        data = getattr(info, "model_data", None)
        name = name or getattr(data, "model_name", None)
        if isinstance(name, str) and name:
            return name
    return None


_STRING = r"""["']([^"'\n]+)["']"""


def _model_from_cells(cells):
    """The last model id (org/name of a known org) written in the cells."""
    pattern = re.compile(
        r"""["']((?:%s)/[\w.\-]+)["']""" % "|".join(re.escape(o) for o in MODEL_ORGS)
    )
    found = None
    for text in cells:
        for match in pattern.finditer(text):
            found = match.group(1)
    return found


def _renderer_from_cells(cells):
    """The last renderer name written by hand (get_renderer / renderer_name)."""
    pattern = re.compile(
        r"get_renderer\(\s*(?:name\s*=\s*)?%s|renderer_name[\"']?\s*[=:]\s*%s"
        % (_STRING, _STRING)
    )
    found = None
    for text in cells:
        for match in pattern.finditer(text):
            found = match.group(1) or match.group(2)
    return found


def _kwargs_from_cells(cells):
    """Thinking-related keyword arguments of the user's apply_chat_template
    calls, or None when the cells make no such call."""
    found = None
    for text in cells:
        for match in re.finditer(r"apply_chat_template\(", text):
            found = found if found is not None else {}
            depth, end = 1, match.end()
            while end < len(text) and depth:
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            call = text[match.end() : end]
            for key, value in re.findall(r"(\w+)\s*=\s*(True|False|\"\w+\"|'\w+')", call):
                if key in THINKING_KWARGS:
                    found[key] = {"True": True, "False": False}.get(value, value.strip("\"'"))
    return found


def recommended_for(model):
    """(recommended renderer names, where they came from) for a model id."""
    try:
        import importlib

        model_info = importlib.import_module("tinker_cookbook.model_info")

        getter = getattr(model_info, "get_recommended_renderer_names", None)
        if getter is not None:
            names = list(getter(model))
        else:
            names = [model_info.get_recommended_renderer_name(model)]
        return names, "tinker_cookbook.model_info %s" % (
            _version("tinker-cookbook") or "(version unknown)"
        )
    except Exception:
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
    if name.endswith("_instruct") or name in ("deepseekv3", "llama3", "role_colon"):
        return False
    return True


def _version(dist):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:
        return None


def _find_tokenizer(args, live, namespace, model):
    """(tokenizer, source) or (None, reason); never downloads."""
    path = args.get("tokenizerPath")
    if path:
        return _load_local(path, "path %s" % path)
    if live and live.get("tokenizer") is not None:
        return live["tokenizer"], "the renderer's tokenizer (%s)" % live["variable"]
    for key, value in list(namespace.items()):
        if key.startswith("_") or not hasattr(value, "apply_chat_template"):
            continue
        if not model or getattr(value, "name_or_path", None) in (model, None):
            return value, "tokenizer in the namespace (%s)" % key
    if not model:
        return None, "no model found: name it in a cell or pass it to the check"
    candidates = [model]
    if model.startswith("meta-llama/Llama-3"):
        candidates.append("thinkingmachineslabinc/meta-llama-3-instruct-tokenizer")
    reasons = []
    for name in candidates:
        tokenizer, reason = _load_local(name, "local Hugging Face cache (%s)" % name)
        if tokenizer is not None:
            return tokenizer, reason
        reasons.append(reason)
    return None, (
        "the tokenizer of %s is not available offline (nothing was downloaded): "
        "load it once in this kernel (get_tokenizer) or give a local path. %s"
        % (model, " ".join(reasons))
    )


def _load_local(name, label):
    try:
        from transformers import AutoTokenizer
    except Exception as error:
        return None, "transformers is not importable: %s" % error
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            name, local_files_only=True, trust_remote_code=False
        )
        return tokenizer, label
    except Exception as error:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, "%s: %s" % (label, text[:200])


def _conversations(args, namespace):
    variable = args.get("messagesVariable")
    if variable:
        value = namespace.get(variable)
        sample = _sample_messages(value)
        if sample:
            return (
                [("%s[%d]" % (variable, i), m) for i, m in sample],
                "variable %s" % variable,
            )
    return [(name, msgs) for name, msgs in _BUILTIN], "built-in"


def _without_thinking(messages):
    return [{k: v for k, v in m.items() if k != "thinking"} for m in messages]


def _sample_messages(value):
    """Up to SAMPLE (index, messages) pairs from a list of conversations."""
    if isinstance(value, dict) and "messages" in value:
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    if value and isinstance(value[0], dict) and "role" in value[0]:
        value = [value]
    out = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            item = item.get("messages")
        if isinstance(item, list) and item and all(
            isinstance(m, dict) and "role" in m for m in item
        ):
            out.append((i, item))
        if len(out) >= SAMPLE:
            break
    return out


# --- rendering and comparing --------------------------------------------


def _for_renderer(messages):
    """Messages in the cookbook's form (thinking parts, ToolCall objects)."""
    from tinker_cookbook.renderers.base import ToolCall

    out = []
    for message in messages:
        m = {k: v for k, v in message.items() if k not in ("thinking", "tool_calls")}
        if message.get("thinking"):
            m["content"] = [
                {"type": "thinking", "thinking": message["thinking"]},
                {"type": "text", "text": message.get("content") or ""},
            ]
        calls = []
        for call in message.get("tool_calls") or []:
            if not isinstance(call, dict):
                calls.append(call)
                continue
            body = call.get("function", call)
            arguments = body.get("arguments", {})
            if not isinstance(arguments, str):
                arguments = _json(arguments)
            calls.append(
                ToolCall(
                    function=ToolCall.FunctionBody(name=body["name"], arguments=arguments),
                    id=call.get("id"),
                )
            )
        if calls:
            m["tool_calls"] = calls
        out.append(m)
    return out


def _for_template(messages):
    """Messages in the Hugging Face form (reasoning_content, tool_calls)."""
    import json

    out = []
    for message in messages:
        m = {k: v for k, v in message.items() if k not in ("thinking", "tool_calls")}
        if message.get("thinking"):
            m["reasoning_content"] = message["thinking"]
        calls = []
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict):
                body = call.get("function", call)
                arguments = body.get("arguments", {})
                if isinstance(arguments, str):
                    try:
                        arguments = json.loads(arguments)
                    except ValueError:
                        pass
                calls.append(
                    {"type": "function", "function": {"name": body["name"], "arguments": arguments}}
                )
            else:
                calls.append(
                    {
                        "type": "function",
                        "function": {
                            "name": call.function.name,
                            "arguments": json.loads(call.function.arguments),
                        },
                    }
                )
        if calls:
            m["tool_calls"] = calls
        out.append(m)
    return out


def _json(value):
    import json

    return json.dumps(value)


def _ints(value):
    if hasattr(value, "input_ids"):
        value = value["input_ids"]
    if hasattr(value, "to_ints"):
        value = value.to_ints()
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [int(t) for t in value]


def render_pair(renderer, tokenizer, messages, kind, kwargs):
    """(renderer tokens, template tokens) for one conversation."""
    if kind == "generation":
        last = max(
            (i for i, m in enumerate(messages) if m.get("role") == "assistant"),
            default=len(messages),
        )
        prompt = messages[:last]
        ours = renderer.build_generation_prompt(_for_renderer(prompt))
        theirs = tokenizer.apply_chat_template(
            _for_template(prompt), add_generation_prompt=True, tokenize=True, **kwargs
        )
    else:
        ours, _weights = renderer.build_supervised_example(_for_renderer(messages))
        theirs = tokenizer.apply_chat_template(
            _for_template(messages), add_generation_prompt=False, tokenize=True, **kwargs
        )
    return _ints(ours), _ints(theirs)


def compare_one(renderer, tokenizer, messages, kind, kwargs, modes_may_differ=False):
    """Compare one conversation; the dict describes the first real difference.

    `modes_may_differ`: the template ran with options that need not match
    the renderer's thinking mode (the user's own comparison), so a lone empty
    think block at the end of a generation prompt is the thinking flag.
    """
    ours, theirs = render_pair(renderer, tokenizer, messages, kind, kwargs)
    has_system = any(m.get("role") == "system" for m in messages)
    entry = {
        "kwargs": dict(kwargs),
        "rendererTokens": ours,
        "templateTokens": theirs,
    }
    entry.update(explain(ours, theirs, tokenizer, has_system, kind, modes_may_differ))
    return entry


def explain(
    ours, theirs, tokenizer, has_system=False, kind="generation", modes_may_differ=False
):
    """Identical, benign (named) or the first real difference with a window."""
    decode = _decoder(tokenizer)
    out = {"identical": ours == theirs, "firstDiff": None, "benign": None, "window": None}
    if ours == theirs:
        return out
    out["firstDiff"] = _prefix(ours, theirs, 0, 0)
    out["window"] = window(ours, theirs, out["firstDiff"], decode)
    i = j = 0
    named = []
    while True:
        p = _prefix(ours, theirs, i, j)
        i, j = i + p, j + p
        if i == len(ours) and j == len(theirs):
            break
        found = _insertion(ours, theirs, i, j)
        if found is None:
            out["realDiff"] = {"renderer": i, "template": j}
            out["window"] = window(ours, theirs, (i, j), decode)
            out["benign"] = None
            out["kindOfDifference"] = _describe(ours, theirs, i, j, decode)
            out["explainedBefore"] = named or None
            return out
        side, start, length = found
        tokens = (ours if side == "renderer" else theirs)[start : start + length]
        text = decode(tokens)
        at_end = (side == "renderer" and start + length == len(ours) and j == len(theirs)) or (
            side == "template" and start + length == len(theirs) and i == len(ours)
        )
        name = _benign_name(text, side, has_system, at_end, kind, modes_may_differ)
        if name is None:
            out["realDiff"] = {"renderer": i, "template": j}
            out["window"] = window(ours, theirs, (i, j), decode)
            if re.fullmatch(r"\s*<think>\s*</think>\s*", text):
                out["kindOfDifference"] = (
                    "empty think block written by the %s only: the model is "
                    "trained on a format it does not see at inference" % side
                )
            else:
                out["kindOfDifference"] = "%s has extra tokens: %r" % (side, text[:200])
            out["explainedBefore"] = named or None
            return out
        named.append({"name": name, "side": side, "text": text[:400]})
        if side == "renderer":
            i += length
        else:
            j += length
    first = named[0]
    out["benign"] = {
        "name": first["name"],
        "explanation": _BENIGN_TEXT[first["name"]] % {"side": first["side"]},
        "all": named,
    }
    return out


_BENIGN_TEXT = {
    "date-header": (
        "the %(side)s adds a knowledge-cutoff/date header to the system turn "
        "(Llama 3's Hugging Face template does, the cookbook renderer does "
        "not); harmless unless your serving stack sends it"
    ),
    "default-system-prompt": (
        "the %(side)s injects a default system prompt when the conversation "
        "has none; put a system message in your data if you serve with that "
        "default"
    ),
    "trailing-whitespace": (
        "the %(side)s ends with whitespace after the last end-of-turn token; "
        "it carries no loss weight"
    ),
    "thinking-flag": (
        "only an empty think block differs, added by the %(side)s: the two "
        "sides ran in different thinking modes; compare the thinking renderer "
        "with the template default, or the *_disable_thinking one with "
        "enable_thinking=False"
    ),
}


def _benign_name(text, side, has_system, at_end, kind, modes_may_differ):
    if text.strip() == "" and at_end:
        return "trailing-whitespace"
    if "Cutting Knowledge Date" in text or "Today Date" in text:
        return "date-header"
    if not has_system and "system" in text and side in ("template", "renderer"):
        if re.search(r"(^|[>\n])\s*system\b", text):
            return "default-system-prompt"
    if modes_may_differ and at_end and kind == "generation" and re.fullmatch(r"\s*<think>\s*</think>\s*", text):
        return "thinking-flag"
    return None


def _describe(ours, theirs, i, j, decode):
    a = decode(ours[i : i + 3])
    b = decode(theirs[j : j + 3])
    if re.match(r"\s*<think>\s*</think>", b) or re.match(r"\s*<think>\s*</think>", a):
        return "empty think block on one side only: real for training data"
    if "<think>" in b and "<think>" not in a:
        return "the template keeps a think block that the renderer drops"
    if "<think>" in a and "<think>" not in b:
        return "the renderer writes a think block that the template does not"
    return "different tokens"


def _prefix(a, b, i, j):
    n = 0
    while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
        n += 1
    return n


def _insertion(a, b, i, j):
    """(side, start, length) of the shortest run whose removal resyncs."""
    for length in range(1, MAX_INSERTION + 1):
        for side, x, y, xi, yi in (("template", b, a, j, i), ("renderer", a, b, i, j)):
            if xi + length > len(x):
                continue
            need = min(RESYNC, len(y) - yi, len(x) - xi - length)
            if len(x) - xi - length == 0 and len(y) - yi == 0:
                return side, xi, length
            if need <= 0:
                continue
            if x[xi + length : xi + length + need] == y[yi : yi + need] and (
                need == RESYNC or len(x) - xi - length == len(y) - yi
            ):
                return side, xi, length
    return None


def _decoder(tokenizer):
    def decode(tokens):
        try:
            return tokenizer.decode(list(tokens), skip_special_tokens=False)
        except TypeError:
            return tokenizer.decode(list(tokens))

    return decode


def window(ours, theirs, at, decode):
    """Decoded tokens around a position on both sides."""
    if isinstance(at, int):
        at = (at, at)
    i, j = at

    def side(tokens, k):
        lo, hi = max(0, k - WINDOW), min(len(tokens), k + WINDOW)
        return {
            "position": k,
            "before": decode(tokens[lo:k]),
            "after": decode(tokens[k:hi]),
            "tokens": [
                {"index": n, "id": tokens[n], "text": decode([tokens[n]])}
                for n in range(lo, hi)
            ],
        }

    return {"renderer": side(ours, i), "template": side(theirs, j)}


def _differs(user, matched):
    """Whether the user's template options differ from the matched ones (an
    option left out runs the template's default, which may differ)."""
    return any(user.get(key, None) != value for key, value in matched.items()) or any(
        key not in matched for key in user
    )


def _user_comparison(renderer, tokenizer, messages, kind, kwargs, name, matched_ok):
    """Compare with the user's own template options; explain what differs."""
    try:
        entry = compare_one(renderer, tokenizer, messages, kind, dict(kwargs), True)
    except Exception as error:
        return {"error": "%s: %s" % (type(error).__name__, error)}
    entry.pop("rendererTokens", None)
    entry.pop("templateTokens", None)
    if entry["identical"] or entry.get("benign") is not None or not matched_ok:
        return entry
    options = ", ".join("%s=%r" % kv for kv in sorted(kwargs.items())) or "no options"
    flags_only = all(key in ("enable_thinking", "thinking") for key in kwargs)
    entry["benign"] = {
        "name": "thinking-flag" if flags_only else "comparison-options",
        "explanation": (
            "your own comparison ran the template with %s; with options "
            "that match %s the tokens are identical, so the difference "
            "comes from the comparison's options, not the renderer"
            % (options, name)
        ),
    }
    return entry


def _summarise(result, compared, decode):
    ok = [c for c in compared if "error" not in c]
    if not ok:
        errors = {c.get("error") for c in compared}
        result["error"] = "no conversation could be rendered: %s" % "; ".join(
            sorted(e for e in errors if e)
        )
        return
    real = [c for c in ok if not c["identical"] and c.get("benign") is None]
    benign = [c for c in ok if not c["identical"] and c.get("benign") is not None]
    pick = (real or benign or ok)[0]
    result["identical"] = all(c["identical"] for c in ok)
    result["realMismatches"] = len(real)
    result["benignDifferences"] = len(benign)
    result["rendererTokens"] = pick["rendererTokens"]
    result["templateTokens"] = pick["templateTokens"]
    result["firstDiff"] = pick.get("firstDiff")
    result["benign"] = pick.get("benign")
    result["decoded"] = {
        "renderer": decode(pick["rendererTokens"]),
        "template": decode(pick["templateTokens"]),
    }
    result["window"] = pick.get("window")
    result["picked"] = {"name": pick["name"], "kind": pick["kind"]}
    users = [c["userComparison"] for c in ok if c.get("userComparison")]
    if users:
        differing = [u for u in users if not u.get("identical")]
        named = [
            u["benign"]
            for u in differing
            if u.get("benign") and u["benign"]["name"] != "trailing-whitespace"
        ]
        result["userComparison"] = {
            "kwargs": users[0].get("kwargs"),
            "differences": len(differing),
            "benign": named[0] if named else None,
        }
    for entry in compared:
        if not entry.get("identical"):
            continue
        entry.pop("rendererTokens", None)
        entry.pop("templateTokens", None)
