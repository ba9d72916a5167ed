"""Rendering one conversation both ways and explaining the difference.

Part of the renderer check (see renderer_check.py): the cookbook renderer's
tokens against the tokenizer's `apply_chat_template`, the first difference
with a decoded window on both sides, and the known benign differences named
(date header, default system prompt, trailing whitespace, thinking flag).
Standard library only; the renderer and tokenizer objects are given.
"""

import json
import re

# How many tokens of context the window shows on each side.
WINDOW = 8
# Longest run of tokens tried as an insertion when explaining a difference
# (a default system prompt or a date header is well under this).
MAX_INSERTION = 400
# Tokens that must agree after a candidate insertion to accept it.
RESYNC = 6


def for_renderer(messages):
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
                arguments = json.dumps(arguments)
            calls.append(
                ToolCall(
                    function=ToolCall.FunctionBody(
                        name=body["name"], arguments=arguments
                    ),
                    id=call.get("id"),
                )
            )
        if calls:
            m["tool_calls"] = calls
        out.append(m)
    return out


def for_template(messages):
    """Messages in the Hugging Face form (reasoning_content, tool_calls)."""
    out = []
    for message in messages:
        m = {k: v for k, v in message.items() if k not in ("thinking", "tool_calls")}
        _flatten_parts(m)
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
                    {
                        "type": "function",
                        "function": {"name": body["name"], "arguments": arguments},
                    }
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


def _flatten_parts(m):
    """Cookbook content parts (text and thinking only) as the strings chat
    templates expect: the text joined, the thinking as reasoning_content.
    Other parts (images) are left as they are."""
    parts = m.get("content")
    if not isinstance(parts, list) or not all(
        isinstance(p, dict) and p.get("type") in ("text", "thinking") for p in parts
    ):
        return
    m["content"] = "".join(
        str(p.get("text") or "") for p in parts if p["type"] == "text"
    )
    thinking = "".join(
        str(p.get("thinking") or "") for p in parts if p["type"] == "thinking"
    )
    if thinking:
        m["reasoning_content"] = thinking


def _ints(value):
    if hasattr(value, "input_ids"):
        value = value["input_ids"]
    if hasattr(value, "to_ints"):
        value = value.to_ints()
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [int(t) for t in value]


def _floats(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    return [float(w) for w in value]


def render_pair(renderer, tokenizer, messages, kind, kwargs, into=None):
    """(renderer tokens, template tokens) for one conversation; for a
    supervised example, the number of tokens with loss weight goes into
    `into["lossTokens"]`."""
    if kind == "generation":
        last = max(
            (i for i, m in enumerate(messages) if m.get("role") == "assistant"),
            default=len(messages),
        )
        prompt = messages[:last]
        ours = renderer.build_generation_prompt(for_renderer(prompt))
        theirs = tokenizer.apply_chat_template(
            for_template(prompt), add_generation_prompt=True, tokenize=True, **kwargs
        )
    else:
        ours, weights = renderer.build_supervised_example(for_renderer(messages))
        if into is not None:
            into["lossTokens"] = sum(1 for w in _floats(weights) if w != 0)
        theirs = tokenizer.apply_chat_template(
            for_template(messages), add_generation_prompt=False, tokenize=True, **kwargs
        )
    return _ints(ours), _ints(theirs)


def compare_one(renderer, tokenizer, messages, kind, kwargs, modes_may_differ=False):
    """Compare one conversation; the dict describes the first real difference.

    `modes_may_differ`: the template ran with options that need not match
    the renderer's thinking mode (the user's own comparison), so a lone empty
    think block at the end of a generation prompt is the thinking flag.
    """
    entry = {"kwargs": dict(kwargs)}
    ours, theirs = render_pair(renderer, tokenizer, messages, kind, kwargs, entry)
    has_system = any(m.get("role") == "system" for m in messages)
    entry["rendererTokens"] = ours
    entry["templateTokens"] = theirs
    entry.update(explain(ours, theirs, tokenizer, has_system, kind, modes_may_differ))
    return entry


def explain(
    ours, theirs, tokenizer, has_system=False, kind="generation", modes_may_differ=False
):
    """Identical, benign (named) or the first real difference with a window."""
    decode = decoder(tokenizer)
    out = {
        "identical": ours == theirs,
        "firstDiff": None,
        "benign": None,
        "window": None,
    }
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
        at_end = (
            side == "renderer" and start + length == len(ours) and j == len(theirs)
        ) or (side == "template" and start + length == len(theirs) and i == len(ours))
        name = _benign_name(text, side, has_system, at_end, kind, modes_may_differ)
        if name is None:
            out["realDiff"] = {"renderer": i, "template": j}
            out["window"] = window(ours, theirs, (i, j), decode)
            if re.fullmatch(r"\s*<think>\s*</think>\s*", text):
                out["kindOfDifference"] = (
                    f"empty think block written by the {side} only: the model is "
                    "trained on a format it does not see at inference"
                )
            else:
                out["kindOfDifference"] = f"{side} has extra tokens: {text[:200]!r}"
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
    if not has_system and re.search(r"(^|[>\n])\s*system\b", text):
        return "default-system-prompt"
    if (
        modes_may_differ
        and at_end
        and kind == "generation"
        and re.fullmatch(r"\s*<think>\s*</think>\s*", text)
    ):
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


def decoder(tokenizer):
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


def options_differ(user, matched):
    """Whether the user's template options differ from the matched ones (an
    option left out runs the template's default, which may differ)."""
    return any(user.get(key, None) != value for key, value in matched.items()) or any(
        key not in matched for key in user
    )


def user_comparison(renderer, tokenizer, messages, kind, kwargs, name, matched_ok):
    """Compare with the user's own template options; explain what differs."""
    try:
        entry = compare_one(renderer, tokenizer, messages, kind, dict(kwargs), True)
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        return {"error": f"{type(error).__name__}: {error}"}
    entry.pop("rendererTokens", None)
    entry.pop("templateTokens", None)
    if entry["identical"] or entry.get("benign") is not None or not matched_ok:
        return entry
    options = (
        ", ".join("{}={!r}".format(*kv) for kv in sorted(kwargs.items()))
        or "no options"
    )
    flags_only = all(key in ("enable_thinking", "thinking") for key in kwargs)
    entry["benign"] = {
        "name": "thinking-flag" if flags_only else "comparison-options",
        "explanation": (
            f"your own comparison ran the template with {options}; with options "
            f"that match {name} the tokens are identical, so the difference "
            "comes from the comparison's options, not the renderer"
        ),
    }
    return entry
