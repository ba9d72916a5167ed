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

import sys
import traceback

from . import renderer_compare as rc
from . import renderer_find as find
from . import renderer_tables as tables

# Bounds on what one result carries (it goes over the comm and into facts).
MAX_TOKENS = 4096
MAX_DECODED = 8000


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
    cells = [find.cell_text(c) for c in args.get("cellSources") or []]
    namespace = args.get("namespace")
    if namespace is None:
        namespace = find.user_namespace()
    live = find.find_live_renderer(namespace)
    config = find.from_configs(namespace)
    in_use = args.get("model") or find.model_from_clients(namespace)
    built_for = live and live.get("model")
    result["model"] = (
        built_for
        or in_use
        or config.get("model_name")
        or config.get("model_name_for_tokenizer")
        or find.model_from_cells(cells)
    )
    if built_for and in_use and in_use != built_for:
        # The live renderer names the model it was built for, and its own
        # tokenizer is the one compared: that model is the one checked.
        result["notes"].append(
            f"the renderer in {live.get('variable')} was built for "
            f"{built_for}, while {in_use} is in use in this kernel; checked "
            f"against {built_for}"
        )
    result["renderer"] = (
        args.get("renderer")
        or (live and live.get("name"))
        or config.get("renderer_name")
        or find.renderer_from_cells(cells)
    )
    if result["model"]:
        result["recommended"], result["recommendedSource"] = tables.recommended_for(
            result["model"]
        )
    if not result["renderer"] and result["recommended"]:
        # The cookbook's recipes fall back to the model's first recommended
        # renderer when none is named; check that one.
        result["renderer"] = result["recommended"][0]
        result["rendererSource"] = "default for the model"
        result["notes"].append(
            f"no renderer named in the notebook: checking {result['renderer']}, "
            f"the cookbook's default for {result['model']}"
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
        try:
            renderer = renderers.get_renderer(
                name, tokenizer, model_name=result["model"]
            )
        except Exception as error:
            if "Unknown renderer" not in str(error):
                raise
            result["unknownRenderer"] = name
            result["error"] = f"{error} Registered custom renderers: " + (
                ", ".join(find.registered(renderers)) or "none"
            )
            return
    thinking = tables.thinking_mode(name)
    result["thinking"] = thinking
    matched = {"enable_thinking": thinking, "thinking": thinking}
    user_kwargs = args.get("templateKwargs")
    if user_kwargs is None:
        user_kwargs = find.kwargs_from_cells(cells)
    conversations, origin = find.conversations(args, namespace)
    result["conversationSource"] = origin
    if origin == "built-in" and not thinking:
        # A non-thinking renderer refuses (or cannot show) reasoning turns:
        # the built-in set drops them; the user's own data is kept as it is.
        conversations = [(n, find.without_thinking(m)) for n, m in conversations]
    if origin == "built-in" and not _supports_tools(renderer):
        conversations = [(n, m) for n, m in conversations if n != "tool-call"]
        result["notes"].append(
            f"{name} does not support tool calls (per the cookbook): the "
            "built-in tool-call conversation is left out"
        )

    compared = []
    named = bool(args.get("messagesVariable") or args.get("messagesFile"))
    for label, messages in conversations:
        kinds = ["generation", "supervised"]
        if (
            origin.startswith("variable")
            and not named
            and not find.has_assistant(messages)
        ):
            # A prompt found in the namespace, not named as training data.
            kinds = ["generation"]
        for kind in kinds:
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
    found = [
        (key, value)
        for key, value in list(namespace.items())
        if not key.startswith("_")
        and not isinstance(value, type)
        and hasattr(value, "apply_chat_template")
    ]
    base = (model or "").split(":", 1)[0]
    short = base.rsplit("/", 1)[-1].lower()
    for key, value in found:
        path = str(getattr(value, "name_or_path", "") or "")
        if not model or path == base or (short and short in path.lower()):
            return value, f"tokenizer in the namespace ({key})"
    if len(found) == 1:
        key, value = found[0]
        path = getattr(value, "name_or_path", "")
        return value, (
            f"tokenizer in the namespace ({key}, loaded from {path!r}: "
            f"the only tokenizer found, assumed to be {model}'s)"
        )
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


def _supports_tools(renderer):
    """Whether the renderer overrides the cookbook's tool-prefix hook (the
    base class raises NotImplementedError: no tool calling)."""
    try:
        from tinker_cookbook.renderers.base import Renderer

        own = type(renderer).create_conversation_prefix_with_tools
        return own is not Renderer.create_conversation_prefix_with_tools
    except Exception:  # noqa: BLE001 - unknown: keep the conversation
        return True


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
    result["rendererTokens"] = pick["rendererTokens"][:MAX_TOKENS]
    result["templateTokens"] = pick["templateTokens"][:MAX_TOKENS]
    result["firstDiff"] = pick.get("firstDiff")
    result["benign"] = pick.get("benign")
    result["decoded"] = {
        "renderer": decode(pick["rendererTokens"])[:MAX_DECODED],
        "template": decode(pick["templateTokens"])[:MAX_DECODED],
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
        if entry.get("identical"):
            entry.pop("rendererTokens", None)
            entry.pop("templateTokens", None)
            continue
        # Long conversations: keep the tokens up to a bounded size so the
        # comm message stays small; the window holds the difference itself.
        for key in ("rendererTokens", "templateTokens"):
            tokens = entry.get(key)
            if isinstance(tokens, list) and len(tokens) > MAX_TOKENS:
                entry[key] = tokens[:MAX_TOKENS]
                entry["truncated"] = True
