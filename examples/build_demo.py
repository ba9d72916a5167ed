"""Write examples/demo.ipynb (nbformat 4.5, stable cell ids).

Run ``python examples/build_demo.py`` after editing the cells below; the
notebook is committed, so a new user needs only JupyterLab and the local
server (``scripts/local-server.sh start 8765``).
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

CELLS: list[tuple[str, str, str]] = [
    (
        "markdown",
        "intro",
        """# Tinker Doctor demo: a tiny fine-tuning run against a local server

This notebook trains a small model through the real `tinker` SDK. The model
lives in a **local Tinker-compatible server** on 127.0.0.1 (`local_server/` in
this repository): a bigram table trained by real gradient steps, so the loss
falls and the samples change as you train. Nothing is downloaded.

Start the server first (from the repository root):

```
scripts/local-server.sh start 8765
```

The next cell points the SDK at `http://127.0.0.1:8765` with a dummy key
unless `TINKER_BASE_URL` / `TINKER_API_KEY` are already set (the demo script
and the UI tests set them). Each group below runs in a few seconds; each
shows something Tinker Doctor diagnoses.""",
    ),
    (
        "code",
        "setup",
        """import os
import random
import time

# Local server unless the environment already says otherwise; never a real key.
os.environ.setdefault("TINKER_BASE_URL", "http://127.0.0.1:8765")
os.environ.setdefault("TINKER_API_KEY", "tml-local-dummy-key")
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import numpy as np
import tinker
from tinker import types

print("tinker", tinker.__version__, "->", os.environ["TINKER_BASE_URL"])""",
    ),
    (
        "markdown",
        "data-md",
        """## 1. Data and tokenizer

A built-in dataset of question/answer pairs and a byte-level tokenizer (one
token per UTF-8 byte). Only the answer tokens carry loss weight, as in
supervised fine-tuning.""",
    ),
    (
        "code",
        "data",
        """PAIRS = [
    ("What colour is the sky?", "The sky is blue."),
    ("What do cats say?", "Cats say meow."),
    ("What do dogs say?", "Dogs say woof."),
    ("What is two plus two?", "Two plus two is four."),
    ("Where do fish live?", "Fish live in water."),
    ("What do bees make?", "Bees make honey."),
    ("What falls from clouds?", "Rain falls from clouds."),
    ("What is ice made of?", "Ice is made of water."),
]


def encode(text):
    return list(text.encode("utf-8"))


def decode(tokens):
    return bytes(t for t in tokens if t < 256).decode("utf-8", errors="replace")


def make_datum(question, answer):
    prompt = encode(f"Q: {question}\\nA: ")
    completion = encode(answer + "\\n")
    tokens = prompt + completion
    weights = [0.0] * len(prompt) + [1.0] * len(completion)
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),
            "weights": types.TensorData.from_numpy(np.array(weights[1:], dtype=np.float32)),
        },
    )


DATA = [make_datum(q, a) for q, a in PAIRS]
print(len(DATA), "examples,", sum(len(d.model_input.to_ints()) for d in DATA), "tokens")""",
    ),
    (
        "code",
        "client",
        """service_client = tinker.ServiceClient()
capabilities = tinker.RestClient().get_server_capabilities().result()
BASE_MODEL = capabilities.supported_models[0].model_name
training_client = service_client.create_lora_training_client(base_model=BASE_MODEL, rank=8).result()
ADAM = types.AdamParams(learning_rate=0.2)
print("training", BASE_MODEL, "as", training_client.get_info().model_id)""",
    ),
    (
        "markdown",
        "sft-md",
        """## 2. Supervised fine-tuning, pipelined

Each step submits `forward_backward` and `optim_step` back to back and only
then waits: the server always has the next request queued. The loss
(`loss:sum`, computed by the server's model) falls step by step.""",
    ),
    (
        "code",
        "sft",
        """def train(steps, batch_size=4, prepare=None):
    losses = []
    start = time.perf_counter()
    for step in range(steps):
        batch = random.sample(DATA, batch_size)
        if prepare is not None:
            prepare(batch)
        fwd_future = training_client.forward_backward(batch, "cross_entropy")
        optim_future = training_client.optim_step(ADAM)
        fwd = fwd_future.result()
        optim_future.result()
        losses.append(fwd.metrics["loss:sum"])
    elapsed = time.perf_counter() - start
    print(f"{steps} steps in {elapsed:.2f} s ({steps / elapsed:.1f} steps/s)")
    print("loss:", " ".join(f"{x:.1f}" for x in losses))
    return losses


random.seed(0)
losses = train(steps=15)""",
    ),
    (
        "code",
        "sample",
        """sampler_path = training_client.save_weights_for_sampler("demo-sft").result().path
sampling_client = service_client.create_sampling_client(model_path=sampler_path).result()
prompt = types.ModelInput.from_ints(encode("Q: What do cats say?\\nA: "))
result = sampling_client.sample(
    prompt, num_samples=2, sampling_params=types.SamplingParams(max_tokens=24, temperature=0.7, seed=1)
).result()
print(sampler_path)
for sequence in result.sequences:
    print(repr(decode(sequence.tokens)))""",
    ),
    (
        "markdown",
        "gil-md",
        """## 3. The same loop with a CPU-heavy data step

`heavy_prepare` sorts a big list of floats before every step. `sorted()`
runs in C and **holds the GIL** for its whole run, so the SDK's background
thread (which sends requests, polls results and heartbeats) cannot run
meanwhile. Tinker Doctor's watchdog reports this as a stall on the marked
line.""",
    ),
    (
        "code",
        "gil",
        """NOISE = [random.random() for _ in range(1_500_000)]


def heavy_prepare(batch):
    ordered = sorted(NOISE)  # <-- CPU-heavy data step: holds the GIL
    return ordered[len(ordered) // 2]


losses_heavy = train(steps=4, prepare=heavy_prepare)""",
    ),
    (
        "markdown",
        "unpipelined-md",
        """## 4. Un-pipelined: waiting on `forward_backward` before `optim_step`

Here each step waits for the `forward_backward` result before it submits
`optim_step`, so the server idles for a round trip every step. Compare the
steps per second with group 2.""",
    ),
    (
        "code",
        "unpipelined",
        """start = time.perf_counter()
for step in range(10):
    batch = random.sample(DATA, 4)
    fwd = training_client.forward_backward(batch, "cross_entropy").result()  # waits here
    training_client.optim_step(ADAM).result()
elapsed = time.perf_counter() - start
print(f"10 un-pipelined steps in {elapsed:.2f} s ({10 / elapsed:.1f} steps/s)")
print("last loss:", round(fwd.metrics["loss:sum"], 1))""",
    ),
    (
        "markdown",
        "renderer-md",
        """## 5. Renderer: are the training tokens the ones the model expects?

A cookbook renderer turns conversations into the tokens the model is trained
on; the model's chat template (in its tokenizer) is the format it sees at
inference. When the two disagree, the loss still falls while the model
learns the wrong format.

The local server's toy model has no chat template, so this group stands in
**Qwen/Qwen3-8B**: `local_tokenizers.py` (next to this notebook) builds, in
about a second and without downloading anything, a small tokenizer that
carries Qwen3's real chat template. The renderer is chosen by name:
`qwen3_instruct`, the cookbook's renderer for the Qwen3 *Instruct-2507*
models, which never write a `<think>` block. That is the wrong variant for
Qwen3-8B, a hybrid thinking model whose template frames the answer with a
`<think>` block (an empty one when thinking is off).

Run the cell, then click **Check renderer** in the Tinker Doctor panel
(renderer section). The check finds the renderer and its tokenizer in the
kernel, renders a sample of the conversations it finds there (`CHATS`, the
pairs of group 1 as chats; without them, a built-in set with a system
prompt, a thinking turn and a tool call) with the renderer and with the
tokenizer's `apply_chat_template`, and reports TD403 with the first
differing token decoded on both sides: after `<|im_start|>assistant` the
template writes an empty `<think>` block and the renderer does not. TD401
adds that `qwen3_instruct` is not among the renderers the cookbook
recommends for Qwen3-8B. (The check uses the model the renderer was built
for; it notes that the training client trains another one,
`local/bigram-byte`.)

This group needs tinker-cookbook, which the notebook's kernel,
*Python (tinker-cookbook)* (`.venvs/cookbook`, made by
`scripts/venvs/cookbook.sh`), has.""",
    ),
    (
        "code",
        "renderer",
        """from local_tokenizers import qwen3_tokenizer
from tinker_cookbook import renderers

RENDERER_MODEL = "Qwen/Qwen3-8B"
tokenizer = qwen3_tokenizer()  # Qwen3's chat template, vocabulary trained locally
renderer = renderers.get_renderer("qwen3_instruct", tokenizer, model_name=RENDERER_MODEL)

# The question/answer pairs of group 1 as chat conversations.
CHATS = [[{"role": "user", "content": q}, {"role": "assistant", "content": a}] for q, a in PAIRS]
model_input, weights = renderer.build_supervised_example(CHATS[0])
tokens = model_input.to_ints()
print(type(renderer).__name__, "for", RENDERER_MODEL, "-", len(tokenizer), "tokens in the vocabulary")
print(repr(tokenizer.decode(tokens)))
print(int(weights.sum()), "of", len(tokens), "tokens carry loss weight")""",
    ),
    (
        "markdown",
        "renderer-fix-md",
        """**To make it match**, build the renderer the cookbook recommends for
Qwen3-8B: `"qwen3_disable_thinking"` (train without thinking; the template
is then compared with `enable_thinking=False`) or `"qwen3"` (train with
thinking). Change the name in the cell above, run it again and click
**Check renderer** again: no TD403, the tokens match (the newline the
template writes after a conversation's last `<|im_end|>` is a known benign
difference, not a mismatch).""",
    ),
    (
        "markdown",
        "fail-md",
        """## 6. Calls that fail

First a prompt longer than the model's context window (the message gives the
limits), caught and printed. Then sampling from a `save_state` checkpoint:
`save_state` saves training state for resuming, not weights for sampling
(use `save_weights_for_sampler`). The service answers with the unhelpful
`Unknown client error`; this cell is meant to fail.""",
    ),
    (
        "code",
        "too-long",
        """too_long = types.ModelInput.from_ints(encode("word ") * 60)
try:
    sampling_client.sample(too_long, 1, types.SamplingParams(max_tokens=32)).result()
except tinker.RequestFailedError as error:
    print(type(error).__name__, "->", error)""",
    ),
    (
        "code",
        "fail",
        """state_path = training_client.save_state("demo-state").result().path
wrong_sampler = service_client.create_sampling_client(model_path=state_path).result()
wrong_sampler.sample(prompt, 1, types.SamplingParams(max_tokens=8)).result()""",
    ),
]


def build() -> dict:
    """The notebook as a JSON-able dict."""
    cells = []
    for kind, cell_id, source in CELLS:
        lines = source.splitlines(keepends=True)
        cell = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": lines}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {
                "display_name": "Python (tinker-cookbook)",
                "language": "python",
                "name": "tinker-cookbook",
            },
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


if __name__ == "__main__":
    out = HERE / "demo.ipynb"
    out.write_text(
        json.dumps(build(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print("wrote", out)
