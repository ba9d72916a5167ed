"""Reading model folders for merge verification, without torch.

safetensors is an 8-byte header length, a JSON header (dtype, shape and
byte offsets per tensor) and the raw little-endian arrays. Headers are read
first; a tensor is read only when it is compared, straight from its offset,
so memory stays bounded by one tensor. bfloat16 is widened bit-exactly to
float32 (uint16 shifted left by 16). numpy is imported when a tensor is read.
Sharded models are found through `model.safetensors.index.json`.
"""

import json
import os
import struct

_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "<u2"}


class Refusal(Exception):
    """Bad input, reported as the result's `error`."""


class Tensors:
    """The tensors of a model folder: headers only until a tensor is read."""

    def __init__(self, path, what):
        self.entries = {}
        self.order = []
        for file in _safetensors_files(path, what):
            header, data_start = _read_header(file)
            for key, meta in header.items():
                if key == "__metadata__" or not isinstance(meta, dict):
                    continue
                begin, end = meta["data_offsets"]
                self.entries[key] = (
                    file,
                    meta["dtype"],
                    tuple(meta["shape"]),
                    data_start + begin,
                    end - begin,
                )
                self.order.append(key)

    def __contains__(self, key):
        return key in self.entries

    def dtype(self, key):
        return self.entries[key][1]

    def shape(self, key):
        return self.entries[key][2]

    def raw(self, key):
        file, _, _, offset, size = self.entries[key]
        with open(file, "rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
        if len(data) != size:
            raise Refusal("%s: tensor %s is truncated" % (file, key))
        return data

    def f32(self, key):
        """One tensor as float32 (bfloat16 widened bit-exactly)."""
        import numpy as np

        _, dtype, shape, _, _ = self.entries[key]
        if dtype not in _DTYPES:
            raise Unsupported(dtype)
        array = np.frombuffer(self.raw(key), dtype=_DTYPES[dtype])
        if dtype == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        return array.astype(np.float32, copy=False).reshape(shape)


class Unsupported(Exception):
    """A dtype this check cannot read (quantized weights)."""


def _read_header(file):
    with open(file, "rb") as handle:
        head = handle.read(8)
        if len(head) != 8:
            raise Refusal("%s is not a safetensors file (too short)" % file)
        (length,) = struct.unpack("<Q", head)
        if length > 100_000_000:
            raise Refusal("%s is not a safetensors file (bad header)" % file)
        try:
            header = json.loads(handle.read(length))
        except ValueError as error:
            raise Refusal("%s: unreadable safetensors header (%s)" % (file, error))
    return header, 8 + length


def _safetensors_files(path, what):
    if not isinstance(path, str) or not path:
        raise Refusal("give the %s model folder (args.%s)" % (what, what))
    path = os.path.expanduser(path)
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise Refusal("%s model folder not found: %s" % (what, path))
    index = os.path.join(path, "model.safetensors.index.json")
    if os.path.isfile(index):
        with open(index) as handle:
            weight_map = json.load(handle).get("weight_map") or {}
        files = sorted(set(weight_map.values()))
        missing = [f for f in files if not os.path.isfile(os.path.join(path, f))]
        if missing:
            raise Refusal(
                "%s model: shards listed in model.safetensors.index.json are "
                "missing: %s" % (what, ", ".join(missing[:3]))
            )
        return [os.path.join(path, f) for f in files]
    files = sorted(f for f in os.listdir(path) if f.endswith(".safetensors"))
    if not files:
        raise Refusal("no .safetensors files in the %s folder %s" % (what, path))
    return [os.path.join(path, f) for f in files]


class Adapter:
    """LoRA pairs by module name, with the scale alpha / r."""

    def __init__(self, path):
        if not isinstance(path, str) or not path:
            raise Refusal("give the adapter folder (args.adapter)")
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        config_file = os.path.join(folder, "adapter_config.json")
        if not os.path.isfile(config_file):
            raise Refusal("no adapter_config.json in %s" % folder)
        with open(config_file) as handle:
            config = json.load(handle)
        rank, alpha = config.get("r"), config.get("lora_alpha")
        if not isinstance(rank, (int, float)) or not rank or alpha is None:
            raise Refusal("adapter_config.json needs numeric r and lora_alpha")
        self.scale = float(alpha) / float(rank)
        preferred = os.path.join(folder, "adapter_model.safetensors")
        self.tensors = Tensors(
            preferred if os.path.isfile(preferred) else path, "adapter"
        )
        self.modules = [
            k[: -len(".lora_A.weight")]
            for k in self.tensors.order
            if k.endswith(".lora_A.weight")
            and k.replace(".lora_A.", ".lora_B.") in self.tensors
        ]
        if not self.modules:
            raise Refusal("the adapter has no lora_A/lora_B weight pairs")

    def delta(self, module):
        """scale * B @ A: (out, in), or (experts, out, in) for 3-D pairs."""
        import numpy as np

        a = self.tensors.f32(module + ".lora_A.weight")
        b = self.tensors.f32(module + ".lora_B.weight") * np.float32(self.scale)
        if a.ndim == 2:
            return b @ a
        if a.shape[0] == 1 and b.shape[0] > 1:
            a = np.broadcast_to(a, (b.shape[0],) + a.shape[1:])
        elif b.shape[0] == 1 and a.shape[0] > 1:
            b = np.broadcast_to(b, (a.shape[0],) + b.shape[1:])
        return np.matmul(b, a)
