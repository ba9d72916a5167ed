"""Merge verification against the real cookbook merge, on tiny models.

Tiny models are built with transformers from a config and saved as the
Hugging Face checkpoints of their family (dense Qwen3, Qwen3 MoE with
separate experts, gpt-oss with interleaved fused experts, Qwen3-VL MoE with
concatenated fused experts under `model.language_model.`); a Tinker-style
adapter (3-D `w1`/`w2`/`w3` expert LoRA) is merged by the installed
cookbook's `weights.build_hf_model()`. The verification must accept each
merge, and must name the mistake when the merged file is then altered.

Run with: .venvs/cookbook/bin/python -m pytest tests/python/cookbook
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cookbook_env import require

torch = require("torch")
transformers = require("transformers")
weights = require("tinker_cookbook.weights")
from safetensors.torch import load_file, save_file  # noqa: E402
from tinker_doctor_agent import merge_verify  # noqa: E402

pytestmark = pytest.mark.timeout(300)

RANK, ALPHA = 4, 16
HIDDEN, LAYERS, EXPERTS = 32, 2, 4
ATTN = {"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 8}


def qwen3():
    cfg = transformers.Qwen3Config(
        vocab_size=64,
        hidden_size=HIDDEN,
        intermediate_size=48,
        num_hidden_layers=LAYERS,
        tie_word_embeddings=False,
        **ATTN,
    )
    return transformers.Qwen3ForCausalLM(cfg)


def qwen3_moe():
    cfg = transformers.Qwen3MoeConfig(
        vocab_size=64,
        hidden_size=HIDDEN,
        intermediate_size=48,
        moe_intermediate_size=24,
        num_experts=EXPERTS,
        num_experts_per_tok=2,
        decoder_sparse_step=1,
        mlp_only_layers=[],
        num_hidden_layers=LAYERS,
        **ATTN,
    )
    return transformers.Qwen3MoeForCausalLM(cfg)


def gpt_oss():
    cfg = transformers.GptOssConfig(
        vocab_size=64,
        hidden_size=HIDDEN,
        intermediate_size=24,
        num_local_experts=EXPERTS,
        num_experts_per_tok=2,
        num_hidden_layers=LAYERS,
        layer_types=["full_attention"] * LAYERS,
        **ATTN,
    )
    return transformers.GptOssForCausalLM(cfg)


def qwen3_vl_moe():
    text = dict(
        vocab_size=64,
        hidden_size=HIDDEN,
        intermediate_size=48,
        moe_intermediate_size=24,
        num_experts=EXPERTS,
        num_experts_per_tok=2,
        decoder_sparse_step=1,
        mlp_only_layers=[],
        num_hidden_layers=LAYERS,
        **ATTN,
    )
    vision = {
        "depth": 1,
        "hidden_size": 16,
        "intermediate_size": 32,
        "num_heads": 2,
        "out_hidden_size": HIDDEN,
        "patch_size": 4,
        "spatial_merge_size": 2,
        "temporal_patch_size": 1,
        "deepstack_visual_indexes": [],
    }
    cfg = transformers.Qwen3VLMoeConfig(text_config=text, vision_config=vision)
    return transformers.Qwen3VLMoeForConditionalGeneration(cfg)


def adapter_tensors(family, inter, moe):
    """Tinker's adapter names: base_model.model.model.layers.N..., experts
    as 3-D w1 (gate), w3 (up), w2 (down); gpt-oss attention as `attn`."""
    gen = torch.Generator().manual_seed(11)

    def rand(*shape):
        return torch.randn(*shape, generator=gen) * 0.2

    attn = "attn" if family == "gpt_oss" else "self_attn"
    t = {}
    for i in range(LAYERS):
        p = "base_model.model.model.layers.%d." % i
        t[p + attn + ".q_proj.lora_A.weight"] = rand(RANK, HIDDEN)
        t[p + attn + ".q_proj.lora_B.weight"] = rand(HIDDEN, RANK)
        if moe:
            for w, (out, inp) in (
                ("w1", (inter, HIDDEN)),
                ("w3", (inter, HIDDEN)),
                ("w2", (HIDDEN, inter)),
            ):
                q = p + "mlp.experts." + w
                t[q + ".lora_A.weight"] = rand(EXPERTS, RANK, inp)
                t[q + ".lora_B.weight"] = rand(EXPERTS, out, RANK)
        else:
            for proj, (out, inp) in (
                ("gate_proj", (inter, HIDDEN)),
                ("up_proj", (inter, HIDDEN)),
                ("down_proj", (HIDDEN, inter)),
            ):
                q = p + "mlp." + proj
                t[q + ".lora_A.weight"] = rand(RANK, inp)
                t[q + ".lora_B.weight"] = rand(out, RANK)
    if not moe:
        t["base_model.model.model.unembed_tokens.lora_A.weight"] = rand(RANK, HIDDEN)
        t["base_model.model.model.unembed_tokens.lora_B.weight"] = rand(64, RANK)
    return {k: v.contiguous() for k, v in t.items()}


FAMILIES = [
    ("qwen3", qwen3, 48, False),
    ("qwen3_moe", qwen3_moe, 24, True),
    ("gpt_oss", gpt_oss, 24, True),
    ("qwen3_vl_moe", qwen3_vl_moe, 24, True),
]


@pytest.fixture(scope="module", params=FAMILIES, ids=[f[0] for f in FAMILIES])
def cookbook_merge(request, tmp_path_factory):
    family, build, inter, moe = request.param
    root = tmp_path_factory.mktemp(family)
    torch.manual_seed(5)
    build().to(torch.bfloat16).save_pretrained(root / "base")
    adapter = root / "adapter"
    adapter.mkdir()
    save_file(
        adapter_tensors(family, inter, moe), adapter / "adapter_model.safetensors"
    )
    (adapter / "adapter_config.json").write_text(
        json.dumps({"r": RANK, "lora_alpha": ALPHA, "peft_type": "LORA"})
    )
    weights.build_hf_model(
        base_model=str(root / "base"),
        adapter_path=str(adapter),
        output_path=str(root / "merged"),
    )
    return family, root


def _args(root: Path, merged: str = "merged") -> dict:
    return {
        "base": str(root / "base"),
        "adapter": str(root / "adapter"),
        "merged": str(root / merged),
    }


def test_cookbook_merge_is_verified_correct(cookbook_merge):
    family, root = cookbook_merge
    result = merge_verify.run(_args(root))
    assert result["error"] is None, result
    assert result["ok"] is True, result["mismatches"][:3]
    assert result["checked"] > 0
    assert result["layout"]["vlPrefix"] is (family == "qwen3_vl_moe")


def _altered(root: Path, change) -> str:
    """A copy of the cookbook's merged folder with one change to its tensors."""
    out = root / "altered"
    if out.exists():
        for f in out.iterdir():
            f.unlink()
    else:
        out.mkdir()
    merged = root / "merged"
    for f in merged.iterdir():
        if f.suffix == ".safetensors":
            tensors = load_file(f)
            change(tensors)
            save_file(tensors, out / f.name, metadata={"format": "pt"})
        elif f.is_file():
            (out / f.name).write_bytes(f.read_bytes())
    return "altered"


def test_swapped_gate_and_up_after_the_cookbook_merge_is_named(cookbook_merge):
    family, root = cookbook_merge
    base = {}
    for f in (root / "base").glob("*.safetensors"):
        base.update(load_file(f))

    def swap(tensors):
        # Put each gate delta on up and each up delta on gate.
        for key in list(tensors):
            if key.endswith("gate_proj.weight") and key in base:
                up = key.replace("gate_proj", "up_proj")
                dg = tensors[key].float() - base[key].float()
                du = tensors[up].float() - base[up].float()
                tensors[key] = (base[key].float() + du).to(tensors[key].dtype)
                tensors[up] = (base[up].float() + dg).to(tensors[up].dtype)
            elif key.endswith("experts.gate_up_proj"):
                t = tensors[key].float() - base[key].float()
                if family == "gpt_oss":
                    t = torch.stack([t[..., 1::2], t[..., 0::2]], -1).flatten(-2)
                else:  # concatenated on whichever axis is 2 * 24
                    axis = -1 if t.shape[-1] == 48 else 1
                    t = torch.cat(t.chunk(2, dim=axis)[::-1], axis)
                tensors[key] = (base[key].float() + t).to(tensors[key].dtype)

    result = merge_verify.run(_args(root, _altered(root, swap)))
    expected = "w1-w3-swapped" if family == "qwen3_moe" else "gate-up-swapped"
    assert result["diagnosis"]["kind"] == expected, result["kinds"]


def test_unapplied_adapter_is_named_for_the_family(cookbook_merge):
    family, root = cookbook_merge
    base = {}
    for f in (root / "base").glob("*.safetensors"):
        base.update(load_file(f))

    def restore(tensors):
        for key in tensors:
            if key in base:
                tensors[key] = base[key]

    result = merge_verify.run(_args(root, _altered(root, restore)))
    expected = "missing-vl-prefix" if family == "qwen3_vl_moe" else "not-applied"
    assert result["diagnosis"]["kind"] == expected, result["kinds"]
