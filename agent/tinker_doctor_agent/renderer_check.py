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

from . import renderer_compare as rc
from . import renderer_tables as tables

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

# How many conversations of a user's variable are compared.
SAMPLE = 3


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
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        result["error"] = f"renderer check failed: {type(error).__name__}: {error}"
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
        result["recommended"], result["recommendedSource"] = tables.recommended_for(
            result["model"]
        )
    if not result["renderer"]:
        result["error"] = (
            'no renderer found: name one (get_renderer("...", tokenizer) or '
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
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        result["error"] = f"tinker-cookbook is not importable in this kernel: {error}"
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
    thinking = tables.thinking_mode(name)
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
                entry = rc.compare_one(renderer, tokenizer, messages, kind, matched)
            except Exception as error:  # noqa: BLE001 - the check reports, never raises
                entry = {"error": f"{type(error).__name__}: {error}"}
            entry.update({"name": label, "kind": kind})
            if user_kwargs is not None and rc.options_differ(user_kwargs, matched):
                entry["userComparison"] = rc.user_comparison(
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
    _summarise(result, compared, rc.decoder(tokenizer))


# --- discovery ------------------------------------------------------------


def _user_namespace():
    try:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython else None
        return dict(shell.user_ns) if shell is not None else {}
    except Exception:  # noqa: BLE001 - the check reports, never raises
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
        r"""["']((?:{})/[\w.\-]+)["']""".format(
            "|".join(re.escape(o) for o in MODEL_ORGS)
        )
    )
    found = None
    for text in cells:
        for match in pattern.finditer(text):
            found = match.group(1)
    return found


def _renderer_from_cells(cells):
    """The last renderer name written by hand (get_renderer / renderer_name)."""
    pattern = re.compile(
        rf"get_renderer\(\s*(?:name\s*=\s*)?{_STRING}|renderer_name[\"']?\s*[=:]\s*{_STRING}"
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
            for key, value in re.findall(
                r"(\w+)\s*=\s*(True|False|\"\w+\"|'\w+')", call
            ):
                if key in THINKING_KWARGS:
                    found[key] = {"True": True, "False": False}.get(
                        value, value.strip("\"'")
                    )
    return found


def _version(dist):
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001 - the check reports, never raises
        return None


def _find_tokenizer(args, live, namespace, model):
    """(tokenizer, source) or (None, reason); never downloads."""
    path = args.get("tokenizerPath")
    if path:
        return _load_local(path, f"path {path}")
    if live and live.get("tokenizer") is not None:
        return live["tokenizer"], "the renderer's tokenizer ({})".format(
            live["variable"]
        )
    for key, value in list(namespace.items()):
        if key.startswith("_") or not hasattr(value, "apply_chat_template"):
            continue
        if not model or getattr(value, "name_or_path", None) in (model, None):
            return value, f"tokenizer in the namespace ({key})"
    if not model:
        return None, "no model found: name it in a cell or pass it to the check"
    candidates = [model]
    if model.startswith("meta-llama/Llama-3"):
        candidates.append("thinkingmachineslabinc/meta-llama-3-instruct-tokenizer")
    reasons = []
    for name in candidates:
        tokenizer, reason = _load_local(name, f"local Hugging Face cache ({name})")
        if tokenizer is not None:
            return tokenizer, reason
        reasons.append(reason)
    return None, (
        "the tokenizer of {} is not available offline (nothing was downloaded): "
        "load it once in this kernel (get_tokenizer) or give a local path. {}".format(
            model, " ".join(reasons)
        )
    )


def _load_local(name, label):
    try:
        from transformers import AutoTokenizer
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        return None, f"transformers is not importable: {error}"
    try:
        tokenizer = AutoTokenizer.from_pretrained(
            name, local_files_only=True, trust_remote_code=False
        )
        return tokenizer, label
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        return None, f"{label}: {text[:200]}"


def _conversations(args, namespace):
    variable = args.get("messagesVariable")
    if variable:
        value = namespace.get(variable)
        sample = _sample_messages(value)
        if sample:
            return (
                [(f"{variable}[{i}]", m) for i, m in sample],
                f"variable {variable}",
            )
    return [(name, msgs) for name, msgs in tables.BUILTIN], "built-in"


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
        if (
            isinstance(item, list)
            and item
            and all(isinstance(m, dict) and "role" in m for m in item)
        ):
            out.append((i, item))
        if len(out) >= SAMPLE:
            break
    return out


def _summarise(result, compared, decode):
    ok = [c for c in compared if "error" not in c]
    if not ok:
        errors = {c.get("error") for c in compared}
        result["error"] = "no conversation could be rendered: {}".format(
            "; ".join(sorted(e for e in errors if e))
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
