"""Which model tensors a LoRA adapter changes, and the delta each should get.

For merge verification: every adapter module (Tinker names, `base_model.model.`
prefix, experts as 3-D `w1` gate / `w3` up / `w2` down) is mapped to the model
tensors it changes: plain linear weights, per-expert weights, fused expert
`gate_up_proj` (concatenated on the last or middle axis, or interleaved as in
gpt-oss), fused rows (dense `gate_up_proj`, Qwen3.5 `in_proj_qkv`, Nemotron
`in_proj`), with the vision-language `model.language_model.` prefix where the
model has it. Each target builds its expected delta lazily and lists the
deltas the known mistakes would have written instead.
"""

import re

_EXPERT_PROJ = {"w1": "gate", "w3": "up", "w2": "down"}


class Target:
    """One model tensor and how to build its expected delta.

    `build(start, stop)` gives the delta for rows start:stop of the tensor's
    first axis when `chunked`, else (called with None, None) all of it; the
    alternatives are [(kind, build)] tried in order on a mismatch.
    """

    def __init__(self, key, build, alternatives, chunked=True):
        self.key = key
        self.build = build
        self.alternatives = alternatives
        self.chunked = chunked


def plan(adapter, base, result):
    keys = base.entries
    lm_head = "lm_head.weight" in keys
    delta = adapter.delta  # small LoRA pairs are cached by the adapter
    vl_needed = False
    missing = []
    targets = {}
    w_names = any(re.search(r"\.experts\.w[123]$", m) for m in adapter.modules)

    def resolve(name):
        nonlocal vl_needed
        for candidate, vl in (
            (name, False),
            (name.replace("model.", "model.language_model.", 1), True),
            (name.replace(".attn.", ".self_attn."), False),
            (name.replace("model.", "backbone.", 1), False),
        ):
            if candidate + ".weight" in keys or candidate in keys:
                vl_needed = vl_needed or vl
                return candidate
        return None

    by_module = {}
    for module in adapter.modules:
        name = re.sub(r"^base_model\.model\.", "", module)
        if name.startswith("model.unembed_tokens"):
            name = "lm_head" if lm_head else "model.embed_tokens"
        by_module[module] = name

    def sibling(module, proj_from, proj_to):
        other = re.sub(r"\.%s$" % proj_from, "." + proj_to, module)
        return other if other != module and other in by_module else None

    for module, name in by_module.items():
        expert = re.search(
            r"^(.*)\.experts\.(w[123]|gate_proj|up_proj|down_proj)$", name
        )
        if expert:
            _plan_expert(
                module, expert, adapter, base, resolve, delta, targets, missing, w_names
            )
            continue
        leaf = name.rsplit(".", 1)[-1]
        key = resolve(name)
        if key is not None and key + ".weight" in keys:
            alts = []
            pair = {"gate_proj": "up_proj", "up_proj": "gate_proj"}.get(leaf)
            other = sibling(module, leaf, pair) if pair else None
            if other:
                alts.append(("gate-up-swapped", lambda s, e, o=other: delta(o, s, e)))
            targets[key + ".weight"] = Target(
                key + ".weight", lambda s, e, m=module: delta(m, s, e), alts
            )
            continue
        parts = _fused_rows(module, name, leaf, by_module, resolve, keys)
        if parts is not None:
            key, components = parts
            if key not in targets:
                targets[key] = _fused_rows_target(key, components, delta)
            continue
        missing.append(name)
    result["layout"] = {"vlPrefix": vl_needed}
    return targets, missing, vl_needed


# Fused model tensors whose rows are adapter modules trained separately, in
# order: dense gate_up_proj, Qwen3.5's in_proj_qkv (unequal sizes), Nemotron's
# in_proj.
_FUSED_ROWS = (
    ("gate_up_proj", ("gate_proj", "up_proj")),
    ("in_proj_qkv", ("in_proj_q", "in_proj_k", "in_proj_v")),
    ("in_proj", ("gate_proj", "x_proj")),
)


def _fused_rows(module, name, leaf, by_module, resolve, keys):
    """(fused key, component modules) when `module` is rows of a fused tensor."""
    parent = name.rsplit(".", 1)[0]
    for fused_name, parts in _FUSED_ROWS:
        if leaf not in parts:
            continue
        fused = resolve(parent + "." + fused_name)
        if fused is None or fused + ".weight" not in keys:
            continue
        stem = module[: -len(leaf)]
        components = [stem + part for part in parts]
        if all(c in by_module for c in components):
            return fused + ".weight", components
    return None


def _fused_rows_target(key, components, delta):
    import numpy as np

    def rows(order):
        return lambda s=None, e=None: np.concatenate([delta(c) for c in order], 0)

    alternatives = []
    if len(components) == 2 and key.endswith(".gate_up_proj.weight"):
        gate, up = components

        def interleaved(s=None, e=None):
            g, u = delta(gate), delta(up)
            out = np.empty((g.shape[0] * 2,) + g.shape[1:], np.float32)
            out[0::2], out[1::2] = g, u
            return out

        alternatives = [
            ("gate-up-swapped", rows([up, gate])),
            ("concat-vs-interleave", interleaved),
        ]
    return Target(key, rows(components), alternatives, chunked=False)


def _plan_expert(
    module, match, adapter, base, resolve, delta, targets, missing, w_names
):
    import numpy as np

    prefix, proj = match.group(1), match.group(2)
    role = _EXPERT_PROJ.get(proj, proj.replace("_proj", ""))
    names = {}
    for raw, r in (("w1", "gate"), ("w3", "up"), ("w2", "down")):
        for candidate in (raw, r + "_proj"):
            full = re.sub(r"\.%s$" % proj, "." + candidate, module)
            if full in adapter.modules:
                names[r] = full
    keys = base.entries
    swap_kind = "w1-w3-swapped" if w_names else "gate-up-swapped"
    experts = resolve(prefix + ".experts.0." + role + "_proj")
    if experts is not None:
        base_prefix = experts[: -len(".0." + role + "_proj")]
        for e in range(adapter.experts(module)):
            key = "%s.%d.%s_proj.weight" % (base_prefix, e, role)
            if key not in keys:
                missing.append(key)
                continue
            alts = []
            for other_role, other in names.items():
                if other_role == role:
                    continue
                kind = (
                    swap_kind
                    if {role, other_role} == {"gate", "up"}
                    else "expert-projections-confused"
                )
                alts.append((kind, _one_expert(delta, other, e)))
            targets[key] = Target(key, _one_expert(delta, module, e), alts)
        return
    if role in ("gate", "up"):
        fused = resolve(prefix + ".experts.gate_up_proj")
        if fused is None or "gate" not in names or "up" not in names:
            missing.append(prefix + ".experts." + proj)
            return
        key = fused if fused in keys else fused + ".weight"
        if key in targets:
            return
        shape = base.shape(key)
        inner = adapter.tensors.shape(names["gate"] + ".lora_A.weight")[-1]
        width = adapter.tensors.shape(names["gate"] + ".lora_B.weight")[-2]
        expected = _fused_layout(base.family, shape, inner, width)

        def build(layout, first, second):
            def make(start, stop):
                g = np.swapaxes(delta(names[first], start, stop), -1, -2)
                u = np.swapaxes(delta(names[second], start, stop), -1, -2)
                # g, u: (experts start:stop, in, out)
                return _fuse(layout, g, u, (g.shape[0],) + tuple(shape[1:]))

            return make

        alts = [("gate-up-swapped", build(expected, "up", "gate"))]
        for layout in ("concat-last", "concat-middle", "interleaved"):
            if layout == expected:
                continue
            kind = (
                "wrong-fused-axis"
                if {layout, expected} == {"concat-last", "concat-middle"}
                else "concat-vs-interleave"
            )
            alts.append((kind, build(layout, "gate", "up")))
        targets[key] = Target(key, build(expected, "gate", "up"), alts)
        return
    down = resolve(prefix + ".experts.down_proj")
    if down is None:
        missing.append(prefix + ".experts." + proj)
        return
    key = down if down in keys else down + ".weight"
    shape = base.shape(key)

    def oriented(start, stop):
        d = delta(module, start, stop)  # (experts start:stop, out, in)
        t = np.swapaxes(d, -1, -2)
        return t if tuple(t.shape[1:]) == tuple(shape[1:]) else d

    targets[key] = Target(key, oriented, [])


def _one_expert(delta, module, index):
    """Build rows of expert `index`'s (out, in) delta from a 3-D LoRA pair."""
    return lambda s, e: delta(module, index, index + 1)[0][s:e]


def _fused_layout(family, shape, inner, width):
    """The fused gate_up layout: the shapes decide, the family breaks ties."""
    if "gpt_oss" in family:
        return "interleaved"  # indistinguishable from concat by shape
    last = tuple(shape[1:]) == (inner, 2 * width)
    middle = tuple(shape[1:]) == (2 * width, inner)
    if last and not middle:
        return "concat-last"
    if middle and not last:
        return "concat-middle"
    if "qwen3_5" in family:
        return "concat-middle"
    return "concat-last"  # Qwen3-VL, and the cookbook's first guess


def _fuse(layout, g, u, shape):
    """Place gate and up deltas (E, in, out) into a fused tensor of shape."""
    import numpy as np

    shape = tuple(shape)
    out = np.zeros(shape, np.float32)
    width = g.shape[2]
    if layout == "interleaved":
        if shape[1:] != (g.shape[1], 2 * width):
            return None
        out[:, :, 0::2], out[:, :, 1::2] = g, u
    elif layout == "concat-last":
        if shape[1:] != (g.shape[1], 2 * width):
            return None
        out[:, :, :width], out[:, :, width:] = g, u
    else:
        if shape[1:] != (2 * width, g.shape[1]):
            return None
        out[:, :width, :] = np.swapaxes(g, 1, 2)
        out[:, width:, :] = np.swapaxes(u, 1, 2)
    return out
