"""The renderer check: do the renderer's tokens match the model's template?

Runs in the user's kernel (called by the comm handler in a worker thread).
It finds the base model and the renderer in use, renders a set of
conversations with the installed tinker-cookbook renderer (generation prompts
and supervised examples) and with the tokenizer's `apply_chat_template`, and
reports, per conversation, identical or the first differing position with
decoded tokens on both sides. Known benign differences are named.

Rules: standard library plus what the kernel already has; never raises, never
prints, never downloads nor contacts any host (a tokenizer is loaded only
from a local folder, see renderer_tokenizer.py), never imports tinker when
the user has not (unless `args.allowImport`).
"""

import difflib
import re
import sys
import traceback

from . import renderer_compare as rc
from . import renderer_find as find
from . import renderer_sample as sampling
from . import renderer_tables as tables
from . import renderer_tokenizer as tokenizers

# Bounds on what one result carries (it goes over the comm and into facts).
MAX_TOKENS = 4096
MAX_DECODED = 8000


def run(args=None) -> dict:
    """Run the renderer check; return a JSON-able dict (never raises).

    args (all optional): `model`, `renderer`, `tokenizerPath`,
    `cellSources` (list of str or {source, executionCount}),
    `messagesVariable` (a name in the user namespace), `messagesFile`,
    `templateKwargs` (the user's own comparison options), `namespace` (a
    dict, for tests), `allowImport` (bool).

    A live renderer object found in the namespace that names the model it
    was built for (`_model_name`) is checked against that model, even when
    `args.model` (or the client in use) names another one; a note says so.
    """
    result = {"model": None, "renderer": None, "recommended": [], "notes": []}
    try:
        _run(dict(args or {}), result)
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        result["error"] = f"renderer check failed: {type(error).__name__}: {error}"
        result["traceback"] = traceback.format_exc(limit=6)
    return result


def _run(args, result):
    raw = args.get("cellSources") or []
    if not isinstance(raw, (list, tuple)):
        raise TypeError("cellSources must be a list of cell sources")
    cells = [find.cell_text(c) for c in raw]
    executed = _executed(raw)
    namespace = args.get("namespace")
    if namespace is None:
        namespace = find.user_namespace()
    live = find.find_live_renderer(namespace, executed)
    if live and live["others"]:
        others = [o for o in live["others"] if o["name"] != live["name"]]
        result["otherRenderers"] = others
        if others:
            result["notes"].append(
                "other renderers in the namespace: {}; checked {} ({}), {}".format(
                    ", ".join(f"{o['variable']} ({o['name']})" for o in others),
                    live["variable"],
                    live["name"],
                    (
                        "the most recently bound"
                        if live["boundLast"]
                        else "the last one defined (no assignment seen in the cells)"
                    ),
                )
            )
    config = find.from_configs(namespace)
    in_use = args.get("model") or find.model_from_clients(namespace)
    built_for = live and live.get("model")
    named_renderer = (
        args.get("renderer")
        or (live and live.get("name"))
        or config.get("renderer_name")
        or find.renderer_from_cells(cells)
    )
    result["model"] = (
        built_for
        or in_use
        or config.get("model_name")
        or config.get("model_name_for_tokenizer")
        or find.model_from_cells(cells, named_renderer)
    )
    if built_for and in_use and in_use != built_for:
        # The live renderer names the model it was built for, and its own
        # tokenizer is the one compared: that model is the one checked.
        result["notes"].append(
            f"the renderer in {live.get('variable')} was built for "
            f"{built_for}, while {in_use} is in use in this kernel; checked "
            f"against {built_for}"
        )
    result["renderer"] = named_renderer
    if result["model"]:
        result["recommended"], result["recommendedSource"] = tables.recommended_for(
            result["model"]
        )
        result["modelListed"] = bool(result["recommended"])
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
    custom = find.registered(renderers)
    result["knownRenderers"] = _known_renderers(renderers)
    result["registeredRenderers"] = custom

    tokenizer, source = tokenizers.find_tokenizer(
        args, live, namespace, result["model"]
    )
    if tokenizer is None:
        result["error"] = source
        return
    result["tokenizerSource"] = source
    if find.attr(tokenizer, "apply_chat_template") is None or not find.attr(
        tokenizer, "chat_template"
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
            close = difflib.get_close_matches(
                name, result["knownRenderers"] + custom, n=3, cutoff=0.6
            )
            if close:
                result["didYouMean"] = close
            result["error"] = (
                f"{error}"
                + (f" Did you mean {' or '.join(map(repr, close))}?" if close else "")
                + " Registered custom renderers: "
                + (", ".join(custom) or "none")
            )
            return
    thinking = tables.thinking_mode(name)
    result["thinking"] = thinking
    matched = {"enable_thinking": thinking, "thinking": thinking}
    user_kwargs = args.get("templateKwargs")
    if user_kwargs is None:
        user_kwargs = find.kwargs_from_cells(cells)
    conversations, origin, problem = find.conversations(args, namespace, executed)
    result["conversationSource"] = origin
    if problem:
        result["conversationProblem"] = problem
        result["notes"].append(problem)
    if origin != "built-in":
        conversations = _drop_malformed(conversations, origin, result)
        if not conversations:
            conversations, origin = list(tables.BUILTIN), "built-in"
            result["conversationSource"] = origin
            result["notes"].append(
                "none of the sampled conversations is well-formed chat data: "
                "compared the built-in conversations instead"
            )
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


def _executed(raw):
    """Cell sources in execution order when the cells carry execution
    counts (cells never run left out), else in the order given."""
    counted = [
        (c.get("executionCount"), n, find.cell_text(c))
        for n, c in enumerate(raw)
        if isinstance(c, dict) and isinstance(c.get("executionCount"), int)
    ]
    if counted:
        return [text for _, _, text in sorted(counted)]
    return [find.cell_text(c) for c in raw]


def _drop_malformed(conversations, origin, result):
    """The well-formed conversations; the others go to `badData` and a
    note (bad rows are the data's problem, not the renderer's)."""
    kept, bad = [], []
    for label, messages in conversations:
        why = sampling.malformed(messages)
        if why is None:
            kept.append((label, messages))
        else:
            bad.append({"name": label, "reason": why})
    if bad:
        result["badData"] = bad
        result["notes"].append(
            "{} of the {} sampled conversations from {} are not well-formed "
            "chat data and were not compared: {}".format(
                len(bad),
                len(conversations),
                origin,
                "; ".join(f"{b['name']}: {b['reason']}" for b in bad[:3]),
            )
        )
    return kept


def _known_renderers(renderers):
    """Built-in renderer names: the cookbook's get_renderer branches (read
    from its source file) and the bundled recommendations."""
    names = {n for group in tables.BUNDLED_RECOMMENDED.values() for n in group}
    names.update(tables.INKLING_RENDERERS)
    try:
        import inspect

        source = inspect.getsource(renderers.get_renderer)
        names.update(re.findall(r"""name\s*==\s*["']([\w.\-]+)["']""", source))
    except Exception:  # noqa: BLE001, S110 - the bundled names are enough
        pass
    return sorted(names)


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
    """The result's summary fields from the per-conversation comparisons.

    Comparisons that raised are counted (`errored`, `erroredExamples`) and
    make the result not `identical`; that holds when every one raised too
    (then no token fields are set). `error` is set only when there was
    nothing to compare at all, and says why."""
    ok = [c for c in compared if "error" not in c]
    errored = [c for c in compared if "error" in c]
    result["errored"] = len(errored)
    if errored:
        result["erroredExamples"] = [
            {"name": c.get("name"), "kind": c.get("kind"), "error": c["error"]}
            for c in errored[:5]
        ]
    if not compared:
        why = result.get("conversationProblem") or "no conversations to compare"
        result["error"] = f"no conversation could be compared: {why}"
        return
    if not ok:
        first = errored[0]
        result["identical"] = False
        result["realMismatches"] = 0
        result["benignDifferences"] = 0
        result["notes"].append(
            "none of the {} comparisons could be rendered; the first, {} "
            "({}), failed with: {}".format(
                len(errored), first.get("name"), first.get("kind"), first["error"]
            )
        )
        return
    real = [c for c in ok if not c["identical"] and c.get("benign") is None]
    benign = [c for c in ok if not c["identical"] and c.get("benign") is not None]
    pick = (real or benign or ok)[0]
    # An errored comparison is not a pass: `identical` only when every
    # comparison ran and matched.
    result["identical"] = not errored and all(c["identical"] for c in ok)
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
