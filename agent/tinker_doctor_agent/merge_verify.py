"""Merge verification: does merged - base equal the adapter's scaled B @ A?

Runs in the user's kernel (called by the comm handler in a worker thread) on
three folders of safetensors: the base model, the Tinker/PEFT adapter
(`adapter_model.safetensors` + `adapter_config.json` with `r`, `lora_alpha`)
and the merged model (one file or shards with `model.safetensors.index.json`).

Every tensor the adapter touches is checked in float32 against the expected
delta, with a tolerance set by the merged file's dtype (a correct merge done
in float32 and cast to bfloat16 stays within half a bfloat16 step). When a
tensor does not match, the known mistakes are tried one by one and the one
that explains it is named: gate and up swapped (`w1`/`w3` for experts), the
wrong fused axis, concatenated versus interleaved fused `gate_up_proj`, the
adapter not applied (a missing `model.language_model.` prefix for
vision-language models), bfloat16 rounding, a wrong scale, a change unrelated
to the adapter. Tensors the adapter does not touch must be unchanged.

Memory stays bounded: headers first, then each tensor read in row chunks
(experts for 3-D tensors) straight from its file offset, without torch
(merge_verify_io); which tensors to check and what each should hold comes
from merge_verify_plan. numpy is imported when the check runs. Never
raises, never prints.
"""

import json
import os
import re
import time
import traceback

from . import merge_verify_io as io
from . import merge_verify_plan as planning

_HALF_STEP_EXP = {"BF16": 9, "F16": 12, "F32": 25, "F64": 54}
_DEFAULT_MAX_LISTED = 20
_CHUNK_ELEMENTS = 1 << 20  # 4 MB of float32 per array in a chunk

_EXPLANATIONS = {
    "gate-up-swapped": (
        "gate_proj received up_proj's delta and up_proj gate_proj's (or the "
        "two halves of a fused gate_up_proj are in the wrong order)."
    ),
    "w1-w3-swapped": (
        "Tinker's expert names were mapped wrongly: w1 is gate_proj, w3 is "
        "up_proj and w2 is down_proj; here w1 and w3 were exchanged."
    ),
    "expert-projections-confused": (
        "An expert projection received another projection's delta; map "
        "w1 to gate_proj, w2 to down_proj and w3 to up_proj."
    ),
    "wrong-fused-axis": (
        "The fused gate_up_proj delta was written along the wrong axis "
        "(Qwen3-VL fuses the last axis, Qwen3.5 the middle one, which needs "
        "the delta transposed)."
    ),
    "concat-vs-interleave": (
        "The fused gate_up_proj layout is wrong: concatenated [gate | up] "
        "(Qwen3.5, Qwen3-VL) and interleaved (gpt-oss: gate at even indices) "
        "were confused."
    ),
    "missing-vl-prefix": (
        "The adapter was not applied: this vision-language model keeps its "
        "weights under model.language_model., and the merge looked them up "
        "without that prefix, so the merged weights equal the base."
    ),
    "not-applied": (
        "The adapter was not applied: the merged weights equal the base "
        "weights where the adapter should have changed them."
    ),
    "bf16-rounding": (
        "The residual is small and consistent with bfloat16 rounding: the "
        "product or the sum was computed in bfloat16; merge in float32, "
        "then cast."
    ),
    "wrong-scale": (
        "The delta has the right shape but the wrong size: the LoRA scale "
        "(lora_alpha / r) was applied wrongly."
    ),
    "unrelated-delta": (
        "merged - base changed where the adapter acts, but not in the "
        "adapter's direction: another adapter or checkpoint was merged, or "
        "the base model is not the one the merge started from."
    ),
    "changed-untargeted": (
        "Tensors the adapter does not touch differ between the base and the "
        "merged model: the merge wrote into the wrong tensors, or the base "
        "model is not the one the merge started from."
    ),
    "missing-target": (
        "Adapter weights name modules the base model does not have: the "
        "adapter was trained on another model, or the name mapping is wrong."
    ),
    "missing-in-merged": "Tensors of the base model are missing from the merge.",
    "shape-changed": "Tensors changed shape between the base and the merge.",
    "mismatch": (
        "merged - base differs from the adapter's scaled B @ A in a way that "
        "matches no known mistake: check the merge code against the "
        "cookbook's weights.build_hf_model()."
    ),
}


def run(args=None) -> dict:
    """Verify a merge; return a JSON-able dict (never raises).

    args: `base`, `adapter`, `merged` (folders or .safetensors files;
    relative paths are taken from the kernel's working directory), and
    optionally `tolerance` (extra absolute tolerance), `maxListed` (how many
    mismatches to list, default 20), `checkUntouched` (compare the tensors
    the adapter does not touch, default true), `cellId`.
    """
    started = time.time()
    args = dict(args or {})
    result = {
        "ok": False,
        "checked": 0,
        "mismatches": [],
        "mismatchCount": 0,
        "diagnosis": None,
        "error": None,
        "cellId": args.get("cellId") if isinstance(args.get("cellId"), str) else None,
        "notes": [],
        "at": started,
    }
    try:
        _verify(args, result)
    except io.Refusal as refusal:
        result["error"] = str(refusal)
    except Exception as error:  # noqa: BLE001 - the check reports, never raises
        result["error"] = "merge verification failed: %s: %s" % (
            type(error).__name__,
            error,
        )
        result["traceback"] = traceback.format_exc(limit=6)
    result["elapsedMs"] = round((time.time() - started) * 1000, 1)
    return result


# --- comparing one tensor ----------------------------------------------------


def _half_step(values, dtype):
    """Half the spacing of `dtype` numbers around |values| (float32)."""
    import numpy as np

    _, exponent = np.frexp(np.abs(values).astype(np.float32))
    step = np.ldexp(np.float32(1), exponent - _HALF_STEP_EXP.get(dtype, 25))
    return np.maximum(step, np.float32(1e-38)).astype(np.float32)


def _fits(base, merged, expected, dtype, extra, peak, loose=False):
    """Whether merged == base + expected up to the merged dtype's rounding.

    `peak` is the largest |delta| of the whole tensor (chunks see a part).
    """
    import numpy as np

    if expected is None or expected.shape != base.shape:
        return False
    ref = base + expected
    tol = np.float32(2.0**-20) * (np.abs(base) + np.abs(expected))
    tol += np.float32(1e-6 * peak + extra)
    if loose:
        # Rounding to bfloat16 on the way (product, sum or both): up to a
        # bfloat16 step of the result; the delta's error follows its terms,
        # not its (cancelling) sum, so its share is bounded by its peak.
        tol += np.float32(2.0**-7) * np.abs(ref) * np.float32(1.01)
        tol += np.float32(2.0**-6 * peak)
        tol += _half_step(ref, dtype)
    else:
        tol += _half_step(ref, dtype) * np.float32(1.001)
    return bool(np.all(np.abs(merged - ref) <= tol))


def _chunks(shape, chunked):
    """Row ranges along the first axis, each about _CHUNK_ELEMENTS values."""
    if not chunked or not shape:
        return [(None, None)]
    per_row = 1
    for n in shape[1:]:
        per_row *= n
    step = max(1, _CHUNK_ELEMENTS // max(per_row, 1))
    return [(s, min(shape[0], s + step)) for s in range(0, shape[0], step)]


def _compare(target, base, merged, extra):
    """None when the tensor matches, else a mismatch dict.

    Reads the tensor in row chunks (bounded memory); on a mismatch, each
    known mistake is tested over all the chunks again.
    """
    import numpy as np

    key = target.key
    dtype = merged.dtype(key)
    chunks = _chunks(base.shape(key), target.chunked)

    def pieces():
        for start, stop in chunks:
            yield start, stop, base.f32(key, start, stop), merged.f32(key, start, stop)

    stats = {"error": 0.0, "expected": 0.0, "actual": 0.0, "dot": 0.0}
    stats.update(peak=0.0, fits=True, unchanged=True, would_change=False)
    for start, stop, b, m in pieces():
        expected = target.build(start, stop)
        if expected is None or tuple(expected.shape) != b.shape:
            return {
                "tensor": key,
                "kind": "shape-changed",
                "maxAbsError": None,
                "expectedNorm": None,
                "detail": "the adapter's delta has shape %s, the tensor %s"
                % (
                    None if expected is None else list(expected.shape),
                    list(base.shape(key)),
                ),
            }
        actual = m - b
        peak = float(np.abs(expected).max(initial=0.0))
        stats["peak"] = max(stats["peak"], peak)
        stats["error"] = max(stats["error"], float(np.abs(actual - expected).max()))
        stats["expected"] += float(np.vdot(expected, expected))
        stats["actual"] += float(np.vdot(actual, actual))
        stats["dot"] += float(np.vdot(actual, expected))
        stats["unchanged"] = stats["unchanged"] and bool(np.array_equal(m, b))
        stats["would_change"] = stats["would_change"] or bool(
            np.any(_cast_like(b + expected, dtype) != b)
        )
        stats["fits"] = stats["fits"] and _fits(b, m, expected, dtype, extra, peak)
    if stats["fits"]:
        return None
    peak = stats["peak"]
    found = {
        "tensor": key,
        "maxAbsError": stats["error"],
        "expectedNorm": stats["expected"] ** 0.5,
        "actualNorm": stats["actual"] ** 0.5,
        "dtype": dtype,
    }

    def holds(build, loose, factor=1.0):
        return all(
            _fits(b, m, _times(build(s, e), factor), dtype, extra, peak, loose)
            for s, e, b, m in pieces()
        )

    if stats["would_change"] and stats["unchanged"]:
        found["kind"] = "not-applied"
        return found
    # Exact alternatives, then bfloat16 rounding of the right delta, then the
    # alternatives with bfloat16 rounding on top, then a wrong scale.
    tries = [(kind, build, False) for kind, build in target.alternatives]
    tries.append(("bf16-rounding", target.build, True))
    tries += [(kind, build, True) for kind, build in target.alternatives]
    for kind, build, loose in tries:
        if holds(build, loose):
            found["kind"] = kind
            return found
    if stats["expected"] > 0:
        factor = stats["dot"] / stats["expected"]
        if abs(factor - 1) > 1e-3 and holds(target.build, True, factor):
            found["kind"] = "wrong-scale"
            found["factor"] = round(factor, 6)
            return found
    if stats["actual"] > 0 and stats["expected"] > 0:
        cosine = stats["dot"] / (stats["actual"] * stats["expected"]) ** 0.5
        found["cosine"] = round(cosine, 4)
        if abs(cosine) < 0.2:
            found["kind"] = "unrelated-delta"
            return found
    found["kind"] = "mismatch"
    return found


def _times(values, factor):
    import numpy as np

    if values is None or factor == 1.0:
        return values
    return values * np.float32(factor)


def _cast_like(values, dtype):
    """Round float32 values as storing them in `dtype` would."""
    import numpy as np

    if dtype == "BF16":
        bits = values.astype(np.float32).view(np.uint32)
        rounded = bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))
        return (rounded & np.uint32(0xFFFF0000)).view(np.float32)
    if dtype == "F16":
        return values.astype(np.float16).astype(np.float32)
    return values


# --- the whole check -----------------------------------------------------------


def _verify(args, result):
    adapter = io.Adapter(args.get("adapter"))
    base = io.Tensors(args.get("base"), "base")
    merged = io.Tensors(args.get("merged"), "merged")
    base.family = _family(args.get("base"))
    extra = args.get("tolerance")
    extra = float(extra) if isinstance(extra, (int, float)) and extra > 0 else 0.0
    listed = args.get("maxListed")
    listed = (
        int(listed) if isinstance(listed, int) and listed > 0 else _DEFAULT_MAX_LISTED
    )
    result["scale"] = adapter.scale
    targets, missing, vl_needed = planning.plan(adapter, base, result)
    kinds = {}

    def add(found):
        kinds[found["kind"]] = kinds.get(found["kind"], 0) + 1
        result["mismatchCount"] += 1
        if len(result["mismatches"]) < listed:
            result["mismatches"].append(found)

    for name in missing:
        add(
            {
                "tensor": name,
                "kind": "missing-target",
                "maxAbsError": None,
                "expectedNorm": None,
            }
        )
    applied = 0
    for key in sorted(targets, key=_natural):
        if key not in merged:
            add(
                {
                    "tensor": key,
                    "kind": "missing-in-merged",
                    "maxAbsError": None,
                    "expectedNorm": None,
                }
            )
            continue
        if merged.shape(key) != base.shape(key):
            add(
                {
                    "tensor": key,
                    "kind": "shape-changed",
                    "maxAbsError": None,
                    "expectedNorm": None,
                    "detail": "base %s, merged %s"
                    % (list(base.shape(key)), list(merged.shape(key))),
                }
            )
            continue
        try:
            found = _compare(targets[key], base, merged, extra)
        except io.Unsupported as unsupported:
            result["notes"].append(
                "%s is stored as %s, which this check cannot read; skipped"
                % (key, unsupported)
            )
            continue
        result["checked"] += 1
        applied += 1
        if found is not None:
            add(found)
    untouched = 0
    if args.get("checkUntouched", True) is not False:
        for key in base.order:
            if key in targets:
                continue
            if key not in merged:
                add(
                    {
                        "tensor": key,
                        "kind": "missing-in-merged",
                        "maxAbsError": None,
                        "expectedNorm": None,
                    }
                )
            elif merged.shape(key) != base.shape(key):
                add(
                    {
                        "tensor": key,
                        "kind": "shape-changed",
                        "maxAbsError": None,
                        "expectedNorm": None,
                    }
                )
            elif merged.dtype(key) == base.dtype(key):
                untouched += 1
                chunks = _chunks(base.shape(key), True)
                if any(merged.raw(key, a, b) != base.raw(key, a, b) for a, b in chunks):
                    add(_untargeted(key, base, merged))
    result["untouchedChecked"] = untouched
    extra_keys = [k for k in merged.order if k not in base]
    if extra_keys:
        result["extraKeys"] = extra_keys[:10]
        result["notes"].append(
            "the merged model has %d tensor(s) the base does not, e.g. %s"
            % (len(extra_keys), extra_keys[0])
        )
    result["kinds"] = kinds
    result["ok"] = result["mismatchCount"] == 0 and result["checked"] > 0
    if result["checked"] == 0 and not result["mismatchCount"]:
        result["error"] = "no tensor of the base model is touched by the adapter"
    result["diagnosis"] = _diagnose(kinds, vl_needed)


def _untargeted(key, base, merged):
    import numpy as np

    found = {
        "tensor": key,
        "kind": "changed-untargeted",
        "maxAbsError": None,
        "expectedNorm": 0.0,
    }
    try:
        found["maxAbsError"] = max(
            float(np.abs(merged.f32(key, a, b) - base.f32(key, a, b)).max())
            for a, b in _chunks(base.shape(key), True)
        )
    except io.Unsupported:
        pass
    return found


def _diagnose(kinds, vl_needed):
    if not kinds:
        return None
    specific = {k: n for k, n in kinds.items() if k != "mismatch"}
    if set(kinds) == {"not-applied"}:
        kind = "missing-vl-prefix" if vl_needed else "not-applied"
    elif specific:
        kind = max(specific, key=lambda k: (specific[k], k))
    else:
        kind = "mismatch"
    explanation = _EXPLANATIONS[kind]
    others = sorted(k for k in kinds if k != kind)
    if others:
        explanation += " Also seen: %s." % ", ".join(others)
    return {"kind": kind, "explanation": explanation}


def _family(path):
    """model_type and architectures from the base folder's config.json."""
    if not isinstance(path, str):
        return ""
    folder = path if os.path.isdir(path) else os.path.dirname(path)
    try:
        with open(os.path.join(folder, "config.json")) as handle:
            config = json.load(handle)
    except (OSError, ValueError):
        return ""
    parts = [str(config.get("model_type", ""))]
    parts += [str(a) for a in config.get("architectures") or []]
    text = config.get("text_config")
    if isinstance(text, dict):
        parts.append(str(text.get("model_type", "")))
    return " ".join(parts).lower()


def _natural(key):
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key)]
