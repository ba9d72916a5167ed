"""Merge verification on tiny models written as safetensors with numpy.

Each model is built from a small config with Hugging Face names (dense, MoE
with separate experts, fused gate_up_proj concatenated on either axis or
interleaved, a vision-language prefix), with a Tinker adapter (`w1`/`w2`/`w3`
3-D expert LoRA) and a merge written by a reference float32 merge. Each
known mistake is injected into the merge and must be recognised by name.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from tinker_doctor_agent import merge_verify

RANK, ALPHA = 4, 8
SCALE = ALPHA / RANK


# --- writing safetensors (bfloat16 too, which numpy cannot name) -------------


def to_bf16_bits(values: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits, round to nearest even."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))
    return (rounded >> 16).astype(np.uint16)


def bf16_round(values: np.ndarray) -> np.ndarray:
    """float32 values rounded through bfloat16."""
    return (to_bf16_bits(values).astype(np.uint32) << 16).view(np.float32)


def write_safetensors(path: Path, tensors: dict[str, np.ndarray], dtype: str) -> None:
    """Write float32 arrays as F32 or BF16 safetensors."""
    header: dict = {}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        if dtype == "BF16":
            raw = to_bf16_bits(array).tobytes()
        else:
            raw = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {
            "dtype": dtype,
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_model(
    folder: Path,
    tensors: dict[str, np.ndarray],
    config: dict,
    dtype: str = "F32",
    shards: int = 1,
) -> Path:
    """A model folder: config.json and one file or `shards` shards + index."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config))
    names = list(tensors)
    if shards == 1:
        write_safetensors(folder / "model.safetensors", tensors, dtype)
        return folder
    weight_map = {}
    per = -(-len(names) // shards)
    for i in range(shards):
        part = names[i * per : (i + 1) * per]
        file = "model-%05d-of-%05d.safetensors" % (i + 1, shards)
        write_safetensors(folder / file, {n: tensors[n] for n in part}, dtype)
        weight_map.update({n: file for n in part})
    index = {"metadata": {}, "weight_map": weight_map}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    return folder


def write_adapter(folder: Path, adapter: dict[str, np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_safetensors(folder / "adapter_model.safetensors", adapter, "F32")
    config = {"r": RANK, "lora_alpha": ALPHA, "peft_type": "LORA"}
    (folder / "adapter_config.json").write_text(json.dumps(config))
    return folder


# --- tiny models ---------------------------------------------------------------

HIDDEN, INTER, LAYERS, EXPERTS, VOCAB = 16, 24, 2, 4, 32


def _rand(rng, *shape, scale=0.05):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def dense_model(rng, prefix: str = "model.") -> dict[str, np.ndarray]:
    t = {prefix + "embed_tokens.weight": _rand(rng, VOCAB, HIDDEN)}
    for i in range(LAYERS):
        p = "%slayers.%d." % (prefix, i)
        for proj in ("q", "k", "v", "o"):
            t[p + "self_attn.%s_proj.weight" % proj] = _rand(rng, HIDDEN, HIDDEN)
        t[p + "mlp.gate_proj.weight"] = _rand(rng, INTER, HIDDEN)
        t[p + "mlp.up_proj.weight"] = _rand(rng, INTER, HIDDEN)
        t[p + "mlp.down_proj.weight"] = _rand(rng, HIDDEN, INTER)
        t[p + "input_layernorm.weight"] = np.ones(HIDDEN, np.float32)
    t[prefix + "norm.weight"] = np.ones(HIDDEN, np.float32)
    t["lm_head.weight"] = _rand(rng, VOCAB, HIDDEN)
    return t


def dense_adapter(rng) -> dict[str, np.ndarray]:
    a = {}
    shapes = {
        "self_attn.q_proj": (HIDDEN, HIDDEN),
        "self_attn.v_proj": (HIDDEN, HIDDEN),
        "mlp.gate_proj": (INTER, HIDDEN),
        "mlp.up_proj": (INTER, HIDDEN),
        "mlp.down_proj": (HIDDEN, INTER),
    }
    for i in range(LAYERS):
        for module, (out, inp) in shapes.items():
            name = "base_model.model.model.layers.%d.%s" % (i, module)
            a[name + ".lora_A.weight"] = _rand(rng, RANK, inp, scale=0.3)
            a[name + ".lora_B.weight"] = _rand(rng, out, RANK, scale=0.3)
    return a


def moe_adapter(rng, hidden=HIDDEN, inter=INTER) -> dict[str, np.ndarray]:
    """Tinker's expert LoRA: 3-D, (E, r, in) and (E, out, r); w1 gate, w3 up."""
    a = {}
    for i in range(LAYERS):
        q = "base_model.model.model.layers.%d.self_attn.q_proj" % i
        a[q + ".lora_A.weight"] = _rand(rng, RANK, hidden, scale=0.3)
        a[q + ".lora_B.weight"] = _rand(rng, hidden, RANK, scale=0.3)
        e = "base_model.model.model.layers.%d.mlp.experts." % i
        for w, (out, inp) in (
            ("w1", (inter, hidden)),
            ("w3", (inter, hidden)),
            ("w2", (hidden, inter)),
        ):
            # lora_A shared across experts (first dim 1), as Tinker may save it
            a[e + w + ".lora_A.weight"] = _rand(rng, 1, RANK, inp, scale=0.3)
            a[e + w + ".lora_B.weight"] = _rand(rng, EXPERTS, out, RANK, scale=0.3)
    return a


def lora_delta(adapter, module: str) -> np.ndarray:
    a = adapter[module + ".lora_A.weight"]
    b = adapter[module + ".lora_B.weight"] * np.float32(SCALE)
    return np.matmul(b, a)  # broadcasts the shared 3-D lora_A


def separate_moe_model(rng) -> dict[str, np.ndarray]:
    t = {"model.embed_tokens.weight": _rand(rng, VOCAB, HIDDEN)}
    for i in range(LAYERS):
        p = "model.layers.%d." % i
        for proj in ("q", "k", "v", "o"):
            t[p + "self_attn.%s_proj.weight" % proj] = _rand(rng, HIDDEN, HIDDEN)
        t[p + "mlp.gate.weight"] = _rand(rng, EXPERTS, HIDDEN)
        for e in range(EXPERTS):
            q = p + "mlp.experts.%d." % e
            t[q + "gate_proj.weight"] = _rand(rng, INTER, HIDDEN)
            t[q + "up_proj.weight"] = _rand(rng, INTER, HIDDEN)
            t[q + "down_proj.weight"] = _rand(rng, HIDDEN, INTER)
    t["lm_head.weight"] = _rand(rng, VOCAB, HIDDEN)
    return t


def fused_moe_model(rng, layout: str, prefix: str, hidden, inter):
    """gate_up_proj fused: concat-last (E, in, 2o), concat-middle (E, 2o, in),
    interleaved (E, in, 2o); down_proj (E, inter, hidden) or (E, hidden, inter)."""
    t = {prefix + "embed_tokens.weight": _rand(rng, VOCAB, hidden)}
    for i in range(LAYERS):
        p = "%slayers.%d." % (prefix, i)
        for proj in ("q", "k", "v", "o"):
            t[p + "self_attn.%s_proj.weight" % proj] = _rand(rng, hidden, hidden)
        if layout == "concat-middle":
            t[p + "mlp.experts.gate_up_proj"] = _rand(rng, EXPERTS, 2 * inter, hidden)
            t[p + "mlp.experts.down_proj"] = _rand(rng, EXPERTS, hidden, inter)
        else:
            t[p + "mlp.experts.gate_up_proj"] = _rand(rng, EXPERTS, hidden, 2 * inter)
            t[p + "mlp.experts.down_proj"] = _rand(rng, EXPERTS, inter, hidden)
    t["lm_head.weight"] = _rand(rng, VOCAB, hidden)
    return t


# --- a reference merge (float32), with mistakes to inject -------------------------


def merge(
    base: dict[str, np.ndarray],
    adapter: dict[str, np.ndarray],
    *,
    prefix: str = "model.",
    layout: str = "separate",
    mistake: str | None = None,
) -> dict[str, np.ndarray]:
    out = {k: v.copy() for k, v in base.items()}
    modules = sorted({k.rsplit(".lora_", 1)[0] for k in adapter if ".lora_A." in k})
    experts_role = {"w1": "gate", "w3": "up", "w2": "down"}
    if mistake == "w1-w3-swapped":
        experts_role = {"w1": "up", "w3": "gate", "w2": "down"}
    for module in modules:
        name = module.replace("base_model.model.model.", prefix)
        if mistake == "missing-vl-prefix":
            name = module.replace("base_model.model.", "")
        delta = lora_delta(adapter, module)
        if mistake == "wrong-scale":
            delta = delta / np.float32(SCALE)  # forgot alpha / r
        if mistake == "bf16-rounding":
            a = bf16_round(adapter[module + ".lora_A.weight"])
            b = bf16_round(adapter[module + ".lora_B.weight"])
            delta = bf16_round(bf16_round(np.matmul(b, a)) * np.float32(SCALE))
        leaf = name.rsplit(".", 1)[1]
        if ".experts." not in name:
            if mistake == "gate-up-swapped" and leaf in ("gate_proj", "up_proj"):
                name = name.replace(
                    leaf, {"gate_proj": "up_proj", "up_proj": "gate_proj"}[leaf]
                )
            key = name + ".weight"
            if key not in out:
                continue  # a hand-written merge that skips unknown names
            out[key] = _add(out[key], delta, mistake)
            continue
        role = experts_role[leaf]
        stem = name.rsplit(".", 1)[0]
        if layout == "separate":
            for e in range(delta.shape[0]):
                key = "%s.%d.%s_proj.weight" % (stem, e, role)
                if key in out:
                    out[key] = _add(out[key], delta[e], mistake)
            continue
        if stem + ".gate_up_proj" not in out:
            continue
        if role == "down":
            key = stem + ".down_proj"
            d = delta if out[key].shape == delta.shape else delta.swapaxes(1, 2)
            out[key] = _add(out[key], d, mistake)
            continue
        key = stem + ".gate_up_proj"
        fused = out[key]
        half = 1 if role == "up" else 0
        if mistake == "gate-up-swapped":
            half = 1 - half
        use = layout
        if mistake == "concat-vs-interleave":
            use = "concat-last" if layout == "interleaved" else "interleaved"
        if mistake == "wrong-fused-axis":
            use = "concat-middle" if layout == "concat-last" else "concat-last"
        g = delta.swapaxes(1, 2)  # (E, in, out)
        width = g.shape[2]
        if use == "interleaved":
            view = fused[:, :, half::2]
        elif use == "concat-last":
            view = fused[:, :, half * width : (half + 1) * width]
        else:
            view = fused[:, half * width : (half + 1) * width, :]
            g = delta
        view[...] = _add(view, g, mistake)
    return out


def _add(target, delta, mistake):
    if mistake == "bf16-rounding":
        return bf16_round(bf16_round(target) + delta)
    return target + delta


# --- fixtures --------------------------------------------------------------------


def _case(tmp_path, base, adapter, merged, config, dtype="F32", shards=1):
    return {
        "base": str(write_model(tmp_path / "base", base, config, dtype)),
        "adapter": str(write_adapter(tmp_path / "adapter", adapter)),
        "merged": str(write_model(tmp_path / "merged", merged, config, dtype, shards)),
    }


DENSE = {"model_type": "qwen3", "architectures": ["Qwen3ForCausalLM"]}
MOE = {"model_type": "qwen3_moe", "architectures": ["Qwen3MoeForCausalLM"]}
VL = {
    "model_type": "qwen3_vl_moe",
    "architectures": ["Qwen3VLMoeForConditionalGeneration"],
}
QWEN35 = {"model_type": "qwen3_5_moe", "architectures": ["Qwen3_5MoeForCausalLM"]}
GPT_OSS = {"model_type": "gpt_oss", "architectures": ["GptOssForCausalLM"]}


@pytest.fixture
def rng():
    return np.random.default_rng(7)


# --- dense -------------------------------------------------------------------------


def test_correct_dense_merge_passes_with_every_adapted_tensor_checked(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    args = _case(tmp_path, base, adapter, merge(base, adapter), DENSE, shards=3)
    result = merge_verify.run(args)
    assert result["error"] is None, result
    assert result["ok"] is True
    assert result["checked"] == LAYERS * 5
    assert result["mismatches"] == [] and result["diagnosis"] is None
    assert result["untouchedChecked"] == len(base) - LAYERS * 5
    assert result["scale"] == SCALE


def test_correct_bf16_merge_cast_after_float32_passes(tmp_path, rng):
    base = {k: bf16_round(v) for k, v in dense_model(rng).items()}
    adapter = dense_adapter(rng)
    args = _case(tmp_path, base, adapter, merge(base, adapter), DENSE, "BF16")
    result = merge_verify.run(args)
    assert result["ok"] is True, result["mismatches"][:3]


@pytest.mark.parametrize("dtype", ["F32", "BF16"])
def test_merge_computed_in_bf16_is_named_bf16_rounding(tmp_path, rng, dtype):
    base = {k: bf16_round(v) for k, v in dense_model(rng).items()}
    adapter = dense_adapter(rng)
    merged = merge(base, adapter, mistake="bf16-rounding")
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, DENSE, dtype))
    assert result["ok"] is False
    assert result["diagnosis"]["kind"] == "bf16-rounding", result["kinds"]
    # small against the delta itself: rounding, not a layout error
    assert all(
        m["maxAbsError"] < 2**-5 * m["expectedNorm"] for m in result["mismatches"]
    )


def test_dense_gate_and_up_swapped_is_named_with_first_tensor(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    merged = merge(base, adapter, mistake="gate-up-swapped")
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, DENSE))
    assert result["diagnosis"]["kind"] == "gate-up-swapped"
    first = result["mismatches"][0]
    assert first["tensor"] == "model.layers.0.mlp.gate_proj.weight"
    assert first["kind"] == "gate-up-swapped"
    assert first["maxAbsError"] > 0 and first["expectedNorm"] > 0
    assert result["mismatchCount"] == LAYERS * 2


def test_forgotten_lora_scale_is_named_wrong_scale(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    merged = merge(base, adapter, mistake="wrong-scale")
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, DENSE))
    assert result["diagnosis"]["kind"] == "wrong-scale"
    assert result["mismatches"][0]["factor"] == pytest.approx(1 / SCALE, rel=1e-3)


def test_merge_of_another_adapter_is_named_unrelated(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    other = dense_adapter(np.random.default_rng(99))
    result = merge_verify.run(_case(tmp_path, base, adapter, merge(base, other), DENSE))
    assert result["diagnosis"]["kind"] == "unrelated-delta", result["kinds"]
    assert abs(result["mismatches"][0]["cosine"]) < 0.2


def test_unapplied_adapter_on_a_text_model_is_named_not_applied(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    result = merge_verify.run(_case(tmp_path, base, adapter, dict(base), DENSE))
    assert result["diagnosis"]["kind"] == "not-applied"
    assert result["kinds"] == {"not-applied": LAYERS * 5}


def test_tensor_changed_outside_the_adapter_is_reported(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    merged = merge(base, adapter)
    merged["model.norm.weight"] = merged["model.norm.weight"] * 2
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, DENSE))
    assert result["ok"] is False
    assert result["mismatches"] == [
        {
            "tensor": "model.norm.weight",
            "kind": "changed-untargeted",
            "maxAbsError": 1.0,
            "expectedNorm": 0.0,
        }
    ]


def fused_rows_model(rng):
    """Phi-3-like dense gate_up_proj rows and a Qwen3.5-like in_proj_qkv with
    unequal Q/K/V sizes (16/8/8)."""
    t = {}
    for i in range(LAYERS):
        p = "model.layers.%d." % i
        t[p + "mlp.gate_up_proj.weight"] = _rand(rng, 2 * INTER, HIDDEN)
        t[p + "linear_attn.in_proj_qkv.weight"] = _rand(rng, 32, HIDDEN)
    return t


def fused_rows_adapter(rng):
    a = {}
    sizes = {
        "mlp.gate_proj": INTER,
        "mlp.up_proj": INTER,
        "linear_attn.in_proj_q": 16,
        "linear_attn.in_proj_k": 8,
        "linear_attn.in_proj_v": 8,
    }
    for i in range(LAYERS):
        for module, out in sizes.items():
            name = "base_model.model.model.layers.%d.%s" % (i, module)
            a[name + ".lora_A.weight"] = _rand(rng, RANK, HIDDEN, scale=0.3)
            a[name + ".lora_B.weight"] = _rand(rng, out, RANK, scale=0.3)
    return a


def merge_fused_rows(base, adapter, order=("gate", "up")):
    out = {k: v.copy() for k, v in base.items()}
    pre = "base_model.model.model.layers.%d."
    for i in range(LAYERS):
        p = "model.layers.%d." % i
        parts = [lora_delta(adapter, (pre % i) + "mlp.%s_proj" % r) for r in order]
        out[p + "mlp.gate_up_proj.weight"] += np.concatenate(parts, 0)
        qkv = [
            lora_delta(adapter, (pre % i) + "linear_attn.in_proj_" + r) for r in "qkv"
        ]
        out[p + "linear_attn.in_proj_qkv.weight"] += np.concatenate(qkv, 0)
    return out


def test_fused_rows_gate_up_and_unequal_qkv_pass_when_right(tmp_path, rng):
    base, adapter = fused_rows_model(rng), fused_rows_adapter(rng)
    merged = merge_fused_rows(base, adapter)
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, QWEN35))
    assert result["ok"] is True, result["mismatches"][:3]
    assert result["checked"] == LAYERS * 2


def test_fused_rows_gate_up_halves_swapped_are_named(tmp_path, rng):
    base, adapter = fused_rows_model(rng), fused_rows_adapter(rng)
    merged = merge_fused_rows(base, adapter, order=("up", "gate"))
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, QWEN35))
    assert result["diagnosis"]["kind"] == "gate-up-swapped"
    assert result["mismatches"][0]["tensor"] == "model.layers.0.mlp.gate_up_proj.weight"
    assert result["mismatchCount"] == LAYERS


# --- mixture of experts, separate experts -----------------------------------------


def test_correct_separate_experts_merge_passes(tmp_path, rng):
    base, adapter = separate_moe_model(rng), moe_adapter(rng)
    result = merge_verify.run(_case(tmp_path, base, adapter, merge(base, adapter), MOE))
    assert result["ok"] is True, result["mismatches"][:3]
    assert result["checked"] == LAYERS * (1 + 3 * EXPERTS)


def test_expert_w1_w3_confusion_is_named(tmp_path, rng):
    base, adapter = separate_moe_model(rng), moe_adapter(rng)
    merged = merge(base, adapter, mistake="w1-w3-swapped")
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, MOE))
    assert result["diagnosis"]["kind"] == "w1-w3-swapped"
    assert result["mismatches"][0]["tensor"] == (
        "model.layers.0.mlp.experts.0.gate_proj.weight"
    )
    assert result["kinds"] == {"w1-w3-swapped": LAYERS * 2 * EXPERTS}


# --- fused gate_up_proj ----------------------------------------------------------

FUSED = [
    ("concat-last", VL, "model.language_model.", HIDDEN, HIDDEN // 2),
    ("concat-middle", QWEN35, "model.", HIDDEN, HIDDEN // 2),
    ("interleaved", GPT_OSS, "model.", HIDDEN, INTER),
]


@pytest.mark.parametrize("layout,config,prefix,hidden,inter", FUSED)
def test_correct_fused_merge_passes(
    tmp_path, rng, layout, config, prefix, hidden, inter
):
    base = fused_moe_model(rng, layout, prefix, hidden, inter)
    adapter = moe_adapter(rng, hidden, inter)
    merged = merge(base, adapter, prefix=prefix, layout=layout)
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, config))
    assert result["ok"] is True, result["mismatches"][:3]
    # q_proj, gate_up_proj and down_proj per layer
    assert result["checked"] == LAYERS * 3


@pytest.mark.parametrize("layout,config,prefix,hidden,inter", FUSED)
def test_fused_halves_swapped_are_named_gate_up_swapped(
    tmp_path, rng, layout, config, prefix, hidden, inter
):
    base = fused_moe_model(rng, layout, prefix, hidden, inter)
    adapter = moe_adapter(rng, hidden, inter)
    merged = merge(
        base, adapter, prefix=prefix, layout=layout, mistake="gate-up-swapped"
    )
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, config))
    assert result["diagnosis"]["kind"] == "gate-up-swapped"
    assert (
        result["mismatches"][0]["tensor"]
        == prefix + "layers.0.mlp.experts.gate_up_proj"
    )


@pytest.mark.parametrize(
    "layout,config,prefix,hidden,inter",
    [
        FUSED[0],
        FUSED[1],
        FUSED[2],
        ("concat-last", VL, "model.language_model.", 16, 12),
    ],
)
def test_concatenated_versus_interleaved_is_named(
    tmp_path, rng, layout, config, prefix, hidden, inter
):
    base = fused_moe_model(rng, layout, prefix, hidden, inter)
    adapter = moe_adapter(rng, hidden, inter)
    merged = merge(
        base, adapter, prefix=prefix, layout=layout, mistake="concat-vs-interleave"
    )
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, config))
    assert result["diagnosis"]["kind"] == "concat-vs-interleave", result["kinds"]


@pytest.mark.parametrize("layout,config,prefix,hidden,inter", FUSED[:2])
def test_wrong_fused_axis_is_named(
    tmp_path, rng, layout, config, prefix, hidden, inter
):
    # hidden == 2 * inter, so both axes fit and the mistake does not crash
    base = fused_moe_model(rng, layout, prefix, hidden, inter)
    adapter = moe_adapter(rng, hidden, inter)
    merged = merge(
        base, adapter, prefix=prefix, layout=layout, mistake="wrong-fused-axis"
    )
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, config))
    assert result["diagnosis"]["kind"] == "wrong-fused-axis", result["kinds"]


def test_missing_language_model_prefix_is_named(tmp_path, rng):
    prefix = "model.language_model."
    base = fused_moe_model(rng, "concat-last", prefix, HIDDEN, HIDDEN // 2)
    adapter = moe_adapter(rng, HIDDEN, HIDDEN // 2)
    merged = merge(
        base, adapter, prefix=prefix, layout="concat-last", mistake="missing-vl-prefix"
    )
    assert all(np.array_equal(merged[k], base[k]) for k in base)
    result = merge_verify.run(_case(tmp_path, base, adapter, merged, VL, "BF16"))
    assert result["diagnosis"]["kind"] == "missing-vl-prefix"
    assert "model.language_model." in result["diagnosis"]["explanation"]
    assert result["layout"]["vlPrefix"] is True


# --- bad input ----------------------------------------------------------------------


def test_bad_input_gives_a_clear_error_and_never_raises(tmp_path, rng):
    assert "adapter" in merge_verify.run({})["error"]
    base, adapter = dense_model(rng), dense_adapter(rng)
    args = _case(tmp_path, base, adapter, merge(base, adapter), DENSE)
    (tmp_path / "adapter" / "adapter_config.json").write_text("{}")
    assert "lora_alpha" in merge_verify.run(args)["error"]
    (tmp_path / "adapter" / "adapter_config.json").write_text(
        json.dumps({"r": RANK, "lora_alpha": ALPHA})
    )
    assert "base" in merge_verify.run({**args, "base": None})["error"]
    args["merged"] = str(tmp_path / "nowhere")
    assert "not found" in merge_verify.run(args)["error"]
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "model.safetensors").write_bytes(b"\xff" * 12)
    result = merge_verify.run({**args, "merged": str(broken)})
    assert result["ok"] is False and result["error"]


def test_adapter_for_another_model_names_missing_targets(tmp_path, rng):
    base, adapter = dense_model(rng), dense_adapter(rng)
    adapter["base_model.model.model.layers.9.self_attn.q_proj.lora_A.weight"] = _rand(
        rng, RANK, HIDDEN
    )
    adapter["base_model.model.model.layers.9.self_attn.q_proj.lora_B.weight"] = _rand(
        rng, HIDDEN, RANK
    )
    result = merge_verify.run(
        _case(tmp_path, base, adapter, merge(base, adapter), DENSE)
    )
    assert result["kinds"] == {"missing-target": 1}
    assert result["diagnosis"]["kind"] == "missing-target"


def test_tensors_read_in_small_row_chunks_give_the_same_answers(
    tmp_path, rng, monkeypatch
):
    monkeypatch.setattr(merge_verify, "_CHUNK_ELEMENTS", 40)  # rows of 16-48
    base, adapter = dense_model(rng), dense_adapter(rng)
    ok = merge_verify.run(
        _case(tmp_path / "a", base, adapter, merge(base, adapter), DENSE)
    )
    assert ok["ok"] is True
    swapped = merge(base, adapter, mistake="gate-up-swapped")
    bad = merge_verify.run(_case(tmp_path / "b", base, adapter, swapped, DENSE))
    assert bad["diagnosis"]["kind"] == "gate-up-swapped"
    scaled = merge(base, adapter, mistake="wrong-scale")
    scale = merge_verify.run(_case(tmp_path / "c", base, adapter, scaled, DENSE))
    assert scale["mismatches"][0]["factor"] == pytest.approx(1 / SCALE, rel=1e-3)
    layout, config, prefix, hidden, inter = FUSED[0]
    fused = fused_moe_model(rng, layout, prefix, hidden, inter)
    moe = moe_adapter(rng, hidden, inter)
    wrong = merge(
        fused, moe, prefix=prefix, layout=layout, mistake="concat-vs-interleave"
    )
    result = merge_verify.run(_case(tmp_path / "d", fused, moe, wrong, config))
    assert result["diagnosis"]["kind"] == "concat-vs-interleave"
    right = merge(fused, moe, prefix=prefix, layout=layout)
    assert merge_verify.run(_case(tmp_path / "e", fused, moe, right, config))["ok"]
