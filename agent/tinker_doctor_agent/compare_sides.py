"""The two sides of an output comparison, read without changing anything.

Tinker's side comes from the user's namespace: a variable path such as
`response.sequences[0]` is followed attribute by attribute and index by
index, never evaluated; a future is refused rather than waited on. The
external engine's side is an OpenAI-compatible completion or chat answer as
vLLM and SGLang return it, SGLang's native `/generate` answer, or a list of
token ids.
"""

import math
import re

from . import cells

_TOKEN_ID_TEXT = re.compile(r"^token_id:(\d+)$")
_PATH = re.compile(r"^[A-Za-z_]\w*((\.[A-Za-z_]\w*)|(\[-?\d+\]))*$")


class Refusal(Exception):
    """Bad input, reported as the result's `error`."""


def namespace_of(args):
    namespace = args.get("namespace")
    if isinstance(namespace, dict):
        return namespace
    user_ns = getattr(cells.shell(), "user_ns", None)
    if not isinstance(user_ns, dict):
        raise Refusal("no IPython user namespace to read variables from")
    return user_ns


def lookup(namespace, path, what):
    """Follow `name.attr[0]...` without evaluating anything."""
    if not isinstance(path, str) or not _PATH.match(path.strip()):
        raise Refusal(
            "give the %s as a variable name (optionally with .attributes and "
            "[indexes]), got %r" % (what, path)
        )
    parts = re.findall(r"[A-Za-z_]\w*|\[-?\d+\]", path.strip())
    if parts[0] not in namespace:
        raise Refusal("no variable %r in the kernel" % parts[0])
    value = namespace[parts[0]]
    for part in parts[1:]:
        try:
            if part.startswith("["):
                value = value[int(part[1:-1])]
            else:
                value = getattr(value, part)
        except (AttributeError, IndexError, KeyError, TypeError) as error:
            raise Refusal("%s: cannot read %s (%s)" % (path, part, error))
    return value


def _ints(value):
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return list(value)
    return None


def _floats(value):
    if value is None:
        return None
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return None
    out = []
    for v in value:
        out.append(
            float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None
        )
    return out


def tinker_side(value, sequence=0):
    """(tokens, logprobs or None, kind) from what the user's variable holds."""
    kind = type(value).__name__
    if (
        hasattr(value, "done")
        and hasattr(value, "result")
        and not hasattr(value, "sequences")
    ):
        raise Refusal(
            "the variable holds a future (%s); store its result first, e.g. "
            "response = future.result()" % kind
        )
    if isinstance(value, (list, tuple)) and value and not _ints(value):
        value = value[0]  # a list of responses or sequences: the first
        kind = type(value).__name__
    sequences = getattr(value, "sequences", None)
    if sequences is None and isinstance(value, dict):
        sequences = value.get("sequences")
    if sequences is not None:
        if not sequences:
            raise Refusal("the sample response has no sequences")
        if not 0 <= sequence < len(sequences):
            raise Refusal(
                "sequence %d asked, the response has %d" % (sequence, len(sequences))
            )
        value = sequences[sequence]
    ints = _ints(value)
    if ints is not None:
        return ints, None, kind
    if isinstance(value, dict):
        tokens, logprobs = value.get("tokens"), value.get("logprobs")
    else:
        tokens = getattr(value, "tokens", None)
        logprobs = getattr(value, "logprobs", None)
    tokens = _ints(tokens)
    if tokens is None:
        raise Refusal(
            "%s holds no token ids (expected a SampleResponse, a sequence with "
            "tokens and logprobs, or a list of ints)" % kind
        )
    return tokens, _floats(logprobs), kind


def prompt_ids(value):
    """Token ids of a ModelInput, a dict with `prompt_token_ids`, or a list."""
    to_ints = getattr(value, "to_ints", None)
    if callable(to_ints):
        try:
            return list(to_ints())
        except Exception as error:  # noqa: BLE001 - image chunks and the like
            raise Refusal("the prompt cannot be read as token ids: %s" % error)
    ints = _ints(value)
    if ints is None:
        raise Refusal("the prompt variable holds no token ids")
    return ints


def external_side(data, choice=0):
    """Parse an engine response: dict with format, tokens, texts, logprobs,
    promptTokens (any may be None)."""
    out = {
        "format": None,
        "tokens": None,
        "texts": None,
        "logprobs": None,
        "promptTokens": None,
    }
    ints = _ints(data) if isinstance(data, list) else None
    if ints is not None:
        out.update(format="token-list", tokens=ints)
        return out
    if isinstance(data, list) and data and isinstance(data[0], dict):
        data = data[0]  # SGLang batch answers: a list of responses
    if not isinstance(data, dict):
        raise Refusal(
            "the response file is neither an engine response object nor a list "
            "of token ids"
        )
    if "output_ids" in data or "meta_info" in data:
        return _sglang_native(data, out)
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices:
        raise Refusal("the response has no choices (expected an OpenAI-style answer)")
    if not 0 <= choice < len(choices):
        raise Refusal("choice %d asked, the response has %d" % (choice, len(choices)))
    c = choices[choice] if isinstance(choices[choice], dict) else {}
    out["promptTokens"] = _ints(c.get("prompt_token_ids")) or _ints(
        data.get("prompt_token_ids")
    )
    logprobs = c.get("logprobs") if isinstance(c.get("logprobs"), dict) else {}
    if isinstance(logprobs.get("content"), list):
        out["format"] = "chat"
        items = [i for i in logprobs["content"] if isinstance(i, dict)]
        out["texts"] = [str(i.get("token", "")) for i in items]
        out["logprobs"] = _floats([i.get("logprob") for i in items])
    elif isinstance(logprobs.get("tokens"), list):
        out["format"] = "completion"
        out["texts"] = [str(t) for t in logprobs["tokens"]]
        out["logprobs"] = _floats(logprobs.get("token_logprobs"))
    else:
        out["format"] = "chat" if "message" in c else "completion"
    ids = _ints(c.get("token_ids"))
    if ids is None and out["texts"]:
        found = [_TOKEN_ID_TEXT.match(t) for t in out["texts"]]
        if all(found):  # vLLM return_tokens_as_token_ids
            ids = [int(m.group(1)) for m in found]
            out["texts"] = None
    out["tokens"] = ids
    if out["tokens"] is None and out["texts"] is None:
        raise Refusal(
            "the response has no logprobs and no token ids: ask the engine for "
            "logprobs (completion: logprobs=1; chat: logprobs=true)"
        )
    return out


def _sglang_native(data, out):
    meta = data.get("meta_info") if isinstance(data.get("meta_info"), dict) else {}
    out["format"] = "sglang-native"
    out["tokens"] = _ints(data.get("output_ids"))
    rows = meta.get("output_token_logprobs")
    if isinstance(rows, list):
        rows = [r for r in rows if isinstance(r, (list, tuple)) and len(r) >= 2]
        out["logprobs"] = _floats([r[0] for r in rows])
        if out["tokens"] is None:
            out["tokens"] = _ints([r[1] for r in rows])
    prompt_rows = meta.get("input_token_logprobs")
    if isinstance(prompt_rows, list):
        out["promptTokens"] = _ints(
            [r[1] for r in prompt_rows if isinstance(r, (list, tuple)) and len(r) >= 2]
        )
    if out["tokens"] is None:
        raise Refusal("the SGLang response has neither output_ids nor token logprobs")
    return out
