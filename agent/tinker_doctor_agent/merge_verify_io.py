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

    def raw(self, key, start=None, stop=None):
        """The bytes of a tensor, or of rows start:stop along its first axis."""
        file, _, shape, offset, size = self.entries[key]
        if start is not None and shape:
            row = size // shape[0] if shape[0] else 0
            offset, size = offset + start * row, (stop - start) * row
        with open(file, "rb") as handle:
            handle.seek(offset)
            data = handle.read(size)
        if len(data) != size:
            raise Refusal("%s: tensor %s is truncated" % (file, key))
        return data

    def f32(self, key, start=None, stop=None):
        """A tensor (or rows start:stop) as float32; bfloat16 widened exactly."""
        import numpy as np

        _, dtype, shape, _, _ = self.entries[key]
        if dtype not in _DTYPES:
            raise Unsupported(dtype)
        array = np.frombuffer(self.raw(key, start, stop), dtype=_DTYPES[dtype])
        if dtype == "BF16":
            array = (array.astype(np.uint32) << 16).view(np.float32)
        if start is not None and shape:
            shape = (stop - start,) + tuple(shape[1:])
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
        self._pairs = {}

    def pair(self, module):
        """(A, scale * B) in float32; the last few are kept (they are small)."""
        import numpy as np

        if module not in self._pairs:
            if len(self._pairs) >= 8:
                self._pairs.pop(next(iter(self._pairs)))
            a = self.tensors.f32(module + ".lora_A.weight")
            b = self.tensors.f32(module + ".lora_B.weight") * np.float32(self.scale)
            self._pairs[module] = (a, b)
        return self._pairs[module]

    def delta(self, module, start=None, stop=None):
        """scale * B @ A: (out, in) rows start:stop, or for 3-D pairs
        (experts, out, in) for experts start:stop."""
        import numpy as np

        a, b = self.pair(module)
        if a.ndim == 2:
            return b[start:stop] @ a
        if a.shape[0] > 1:
            a = a[start:stop]
        if b.shape[0] > 1:
            b = b[start:stop]
        return np.matmul(b, a)  # broadcasts a shared (1, r, in) or (1, out, r)

    def experts(self, module):
        """How many experts a 3-D pair covers."""
        a, b = (self.tensors.shape(module + ".lora_%s.weight" % x) for x in "AB")
        return max(a[0], b[0])
