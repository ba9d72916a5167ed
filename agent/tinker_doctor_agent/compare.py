"""Output comparison: Tinker's samples against an external engine's.

Runs in the user's kernel (called by the comm handler in a worker thread).
Tinker's side is read, without changing anything, from a variable of the
user's namespace: a `SampleResponse`, a `SampledSequence`, a dict with
`tokens`/`logprobs`, or a list of token ids. The external engine's side is a
JSON file: an OpenAI-compatible completion (`choices[i].logprobs.tokens` /
`token_logprobs`) or chat completion (`choices[i].logprobs.content[]`) as
vLLM and SGLang return it, SGLang's native `/generate` answer (`output_ids`,
`meta_info.output_token_logprobs`), or a plain list of token ids.

It reports whether the prompt tokens match (TD204: first differing position
with decoded context), and for the sampled tokens the first difference, the
per-token logprob differences and the classification the engine uses
(identical, late small drift, early divergence; TD205).

Never raises, never prints, never imports tinker, never downloads (a
tokenizer loads with `local_files_only=True`).
"""

import json
import os
import sys
import time
import traceback

from . import compare_sides as sides

# Mirrors src/engine/correctness/comparison.ts (EARLY_DIVERGENCE_TOKEN and
# PRECISION_LOGPROB_GAP): keep the two in step.
EARLY_DIVERGENCE_TOKEN = 5
PRECISION_LOGPROB_GAP = 0.05

_MAX_SERIES = 4096  # per-token series sent to the frontend
_CONTEXT_BEFORE, _CONTEXT_AFTER = 8, 4

SUGGESTIONS = {
    "prompt": (
        "The prompts differ, so the samples cannot be compared yet: send the "
        "external engine Tinker's exact prompt token ids, or fix the chat "
        "template or renderer, before looking at the weights."
    ),
    "early": (
        "Check the merge (merge verification, TD201-TD203). As a workaround, "
        "serve the unmerged adapter: weights.build_lora_adapter() and vLLM "
        "--lora-modules (or SGLang --lora-paths)."
    ),
    "late-small-drift": (
        "Merge in float32, then cast; if the drift matters, serve the "
        "unmerged adapter (weights.build_lora_adapter(), vLLM --lora-modules)."
    ),
    "identical": None,
}


def run(args=None) -> dict:
    """Compare Tinker's sample with an external engine's; never raises.

    args: `tinker` (a variable name, optionally with attributes and
    indexes, e.g. `result.sequences[0]`), `externalPath` (the engine's JSON
    response), and optionally `prompt` (a variable with Tinker's prompt:
    ModelInput or token ids), `sequence` (index into `sequences`, default
    0), `choice` (index into `choices`, default 0), `tokenizer` (a local
    tokenizer name or folder) or `tokenizerVariable`, `cellId`, `namespace`
    (a dict, for tests).
    """
    started = time.time()
    args = dict(args or {})
    result = {
        "ok": False,
        "error": None,
        "cellId": args.get("cellId") if isinstance(args.get("cellId"), str) else None,
        "tinker": None,
        "external": None,
        "prompt": None,
        "sampled": None,
        "classification": None,
        "suggestion": None,
        "notes": [],
        "at": started,
    }
    try:
        _compare(args, result)
        result["ok"] = result["error"] is None
    except sides.Refusal as refusal:
        result["error"] = str(refusal)
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        result["error"] = "comparison failed: %s: %s" % (type(error).__name__, error)
        result["traceback"] = traceback.format_exc(limit=6)
    result["elapsedMs"] = round((time.time() - started) * 1000, 1)
    return result


# --- classification (same rule as comparison.ts) -----------------------------


def first_difference(a, b) -> int:
    """The first position where two token lists differ, or -1."""
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return -1 if len(a) == len(b) else n


def classify(first_diff, max_gap_before) -> str:
    """identical, late-small-drift or early (see comparison.ts)."""
    if first_diff < 0:
        return "identical"
    if first_diff <= EARLY_DIVERGENCE_TOKEN:
        return "early"
    if max_gap_before is not None and max_gap_before > PRECISION_LOGPROB_GAP:
        return "early"
    return "late-small-drift"


# --- tokenizer (optional) ------------------------------------------------------------


def _tokenizer(args, namespace, notes):
    name = args.get("tokenizerVariable")
    if isinstance(name, str) and name:
        try:
            return sides.lookup(namespace, name, "tokenizer variable")
        except sides.Refusal as refusal:
            notes.append(str(refusal))
    path = args.get("tokenizer")
    if isinstance(path, str) and path:
        if "transformers" not in sys.modules:
            try:
                import transformers  # noqa: F401
            except Exception:  # noqa: BLE001
                notes.append("transformers is not installed: no tokenizer")
                return None
        try:
            from transformers import AutoTokenizer

            return AutoTokenizer.from_pretrained(path, local_files_only=True)
        except Exception as error:  # noqa: BLE001
            notes.append("tokenizer %s not loaded (%s)" % (path, type(error).__name__))
            return None
    for value in list(namespace.values()):
        if type(value).__name__.endswith(("Tokenizer", "TokenizerFast")) and callable(
            getattr(value, "decode", None)
        ):
            return value
    return None


def _decode(tokenizer, ids):
    if tokenizer is None or not ids:
        return None
    try:
        text = tokenizer.decode(list(ids))
    except Exception:  # noqa: BLE001
        return None
    return text if isinstance(text, str) else None


def _pieces(tokenizer, ids):
    if tokenizer is None:
        return None
    try:
        return [tokenizer.decode([i]) for i in ids]
    except Exception:  # noqa: BLE001
        return None


def _context(ids, texts, at, tokenizer):
    lo, hi = max(0, at - _CONTEXT_BEFORE), at + _CONTEXT_AFTER + 1
    window = {"start": lo, "ids": ids[lo:hi] if ids is not None else None}
    if texts is not None:
        window["text"] = "".join(texts[lo:hi])
        window["tokens"] = texts[lo:hi]
    else:
        window["text"] = _decode(tokenizer, ids[lo:hi]) if ids is not None else None
        pieces = _pieces(tokenizer, ids[lo:hi]) if ids is not None else None
        if pieces is not None:
            window["tokens"] = pieces
    return window


# --- the check ----------------------------------------------------------------------


def _compare(args, result):
    namespace = sides.namespace_of(args)
    tinker_name = args.get("tinker")
    tokens, logprobs, kind = sides.tinker_side(
        sides.lookup(namespace, tinker_name, "Tinker sample"),
        _index(args.get("sequence")),
    )
    result["tinker"] = {
        "variable": tinker_name,
        "type": kind,
        "tokens": len(tokens),
        "hasLogprobs": logprobs is not None,
    }
    path = args.get("externalPath")
    if not isinstance(path, str) or not path:
        raise sides.Refusal("give the external engine's response file (externalPath)")
    path = os.path.expanduser(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as error:
        raise sides.Refusal("cannot read %s: %s" % (path, error.strerror or error))
    except ValueError as error:
        raise sides.Refusal("%s is not JSON: %s" % (path, error))
    ext = sides.external_side(data, _index(args.get("choice")))
    result["external"] = {
        "path": path,
        "format": ext["format"],
        "tokens": len(ext["tokens"] or ext["texts"] or []),
        "hasIds": ext["tokens"] is not None,
        "hasLogprobs": ext["logprobs"] is not None,
        "hasPromptIds": ext["promptTokens"] is not None,
    }
    tokenizer = _tokenizer(args, namespace, result["notes"])
    result["tokenizer"] = type(tokenizer).__name__ if tokenizer is not None else None
    _compare_prompts(args, namespace, ext, tokenizer, result)
    _compare_samples(tokens, logprobs, ext, tokenizer, result)
    prompt = result["prompt"]
    if prompt is not None and prompt["firstDiff"] >= 0:
        result["suggestion"] = SUGGESTIONS["prompt"]
    elif result["classification"]:
        result["suggestion"] = SUGGESTIONS[result["classification"]]


def _index(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _compare_prompts(args, namespace, ext, tokenizer, result):
    name = args.get("prompt")
    if not name:
        if ext["promptTokens"] is not None:
            result["notes"].append(
                "the response carries prompt token ids; give Tinker's prompt "
                "variable (args.prompt) to compare them"
            )
        return
    ours = sides.prompt_ids(sides.lookup(namespace, name, "prompt"))
    theirs = ext["promptTokens"]
    if theirs is None:
        result["notes"].append(
            "the response carries no prompt token ids (vLLM: "
            "return_token_ids=true; SGLang: return_logprob with logprob_start_len=0)"
            "; prompts not compared"
        )
        return
    diff = first_difference(ours, theirs)
    prompt = {
        "tinkerLength": len(ours),
        "externalLength": len(theirs),
        "firstDiff": diff,
    }
    if diff >= 0:
        prompt["tinker"] = _context(ours, None, diff, tokenizer)
        prompt["external"] = _context(theirs, None, diff, tokenizer)
    result["prompt"] = prompt


def _compare_samples(tokens, logprobs, ext, tokenizer, result):
    theirs = ext["tokens"]
    ours_texts = None
    if theirs is None:
        ours_texts = _pieces(tokenizer, tokens)
        if ours_texts is None:
            result["notes"].append(
                "the response gives token text without ids and no tokenizer is at "
                "hand: sampled tokens not compared (give args.tokenizer, or ask "
                "vLLM for return_tokens_as_token_ids)"
            )
            return
        diff = first_difference(ours_texts, ext["texts"])
        result["notes"].append("sampled tokens compared by their decoded text")
    else:
        diff = first_difference(tokens, theirs)
    length = min(len(tokens), len(theirs if theirs is not None else ext["texts"]))
    gaps = None
    if logprobs is not None and ext["logprobs"] is not None:
        gaps = [
            (b - a) if a is not None and b is not None else None
            for a, b in zip(logprobs[:length], ext["logprobs"][:length])
        ]
    end = diff if diff >= 0 else length
    before = [abs(g) for g in (gaps or [])[:end] if g is not None]
    every = [abs(g) for g in (gaps or []) if g is not None]
    max_before = max(before) if before else None
    kind = classify(diff, max_before)
    sampled = {
        "firstDiff": diff,
        "compared": length,
        "tinkerLength": len(tokens),
        "externalLength": len(theirs if theirs is not None else ext["texts"]),
        "maxGapBefore": max_before,
        "maxGap": max(every) if every else None,
        "meanGapBefore": sum(before) / len(before) if before else None,
        "logprobDiffs": gaps[:_MAX_SERIES] if gaps is not None else None,
        "tinkerLogprobs": logprobs[:_MAX_SERIES] if logprobs else None,
        "externalLogprobs": (ext["logprobs"] or [])[:_MAX_SERIES] or None,
        "tokens": (ours_texts or _pieces(tokenizer, tokens[:_MAX_SERIES])),
    }
    if diff >= 0:
        sampled["tinker"] = _context(tokens, ours_texts, diff, tokenizer)
        sampled["external"] = _context(theirs, ext["texts"], diff, tokenizer)
    if gaps is None:
        result["notes"].append(
            "logprobs missing on %s side: classified from the tokens alone"
            % ("Tinker's" if logprobs is None else "the engine's")
        )
    result["sampled"] = sampled
    result["classification"] = kind
