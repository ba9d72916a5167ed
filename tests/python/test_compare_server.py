"""Output comparison on real sampling results from the local Tinker server.

A real kernel samples with the pinned `tinker` SDK from the local server;
response files in vLLM's completion format are derived from that sample with
a deliberate early change, a late change after a small logprob drift, and a
changed prompt. The agent, injected as the frontend injects it, compares
them reading the SampleResponse from the kernel's namespace.
"""

from __future__ import annotations

import json

import pytest
from kernel_harness import AGENT, Kernel

pytest.importorskip("tinker")
pytestmark = pytest.mark.timeout(180)

SAMPLE_CELL = """
import tinker
from tinker import types
service = tinker.ServiceClient()
training = service.create_lora_training_client(
    base_model="local/bigram-byte", rank=4
).result(timeout=30)
sampler = training.save_weights_and_get_sampling_client().result(timeout=30)
prompt = types.ModelInput.from_ints(list(b"the cat sat"))
response = sampler.sample(
    prompt, 1, types.SamplingParams(max_tokens=24, temperature=0.0)
).result(timeout=30)
"""


def completion_file(path, tokens, logprobs, prompt):
    answer = {
        "object": "text_completion",
        "choices": [
            {
                "index": 0,
                "text": bytes(t % 256 for t in tokens).decode("latin-1"),
                "logprobs": {
                    "tokens": ["token_id:%d" % t for t in tokens],
                    "token_logprobs": logprobs,
                    "top_logprobs": None,
                    "text_offset": list(range(len(tokens))),
                },
                "prompt_token_ids": prompt,
                "finish_reason": "length",
            }
        ],
    }
    path.write_text(json.dumps(answer))
    return str(path)


@pytest.fixture(scope="module")
def sampled_kernel(local_server):
    kernel = Kernel(env=local_server.env()).start()
    try:
        reply = kernel.run(SAMPLE_CELL, cell_id="sample-cell", timeout=120)
        assert reply["status"] == "ok", reply
        assert kernel.inject()["status"] == "ok"
        tokens = kernel.expression("list(response.sequences[0].tokens)")
        logprobs = kernel.expression("list(response.sequences[0].logprobs)")
        prompt = kernel.expression("prompt.to_ints()")
        yield kernel, tokens, logprobs, prompt
    finally:
        kernel.stop()


def compare_in_kernel(kernel, **args):
    expr = "__import__('json').dumps(%s.compare.run(%r))" % (AGENT, args)
    return json.loads(kernel.expression(expr))


def test_real_sample_has_tokens_and_logprobs(sampled_kernel):
    _, tokens, logprobs, prompt = sampled_kernel
    assert len(tokens) == 24 and len(logprobs) == 24
    assert prompt == list(b"the cat sat")


def test_real_sample_against_an_identical_engine_answer(sampled_kernel, tmp_path):
    kernel, tokens, logprobs, prompt = sampled_kernel
    path = completion_file(tmp_path / "same.json", tokens, logprobs, prompt)
    result = compare_in_kernel(
        kernel,
        tinker="response",
        prompt="prompt",
        externalPath=path,
        cellId="sample-cell",
    )
    assert result["error"] is None
    assert result["tinker"]["type"] == "SampleResponse"
    assert result["prompt"]["firstDiff"] == -1
    assert result["classification"] == "identical"
    assert result["cellId"] == "sample-cell"


def test_real_sample_with_an_early_change(sampled_kernel, tmp_path):
    kernel, tokens, logprobs, prompt = sampled_kernel
    changed = list(tokens)
    changed[2] = (changed[2] + 1) % 256
    path = completion_file(
        tmp_path / "early.json", changed, [lp - 0.3 for lp in logprobs], prompt
    )
    result = compare_in_kernel(kernel, tinker="response", externalPath=path)
    assert result["sampled"]["firstDiff"] == 2
    assert result["classification"] == "early"
    assert "--lora-modules" in result["suggestion"]


def test_real_sample_with_late_small_drift(sampled_kernel, tmp_path):
    kernel, tokens, logprobs, prompt = sampled_kernel
    changed = list(tokens)
    changed[18] = (changed[18] + 1) % 256
    drift = [lp + 0.002 * i for i, lp in enumerate(logprobs)]
    path = completion_file(tmp_path / "late.json", changed, drift, prompt)
    result = compare_in_kernel(
        kernel, tinker="response.sequences[0]", externalPath=path
    )
    sampled = result["sampled"]
    assert sampled["firstDiff"] == 18
    assert sampled["maxGapBefore"] == pytest.approx(0.002 * 17, abs=1e-4)
    assert sampled["logprobDiffs"][5] == pytest.approx(0.01, abs=1e-4)
    assert result["classification"] == "late-small-drift"


def test_real_prompt_differs_from_the_engine_prompt(sampled_kernel, tmp_path):
    kernel, tokens, logprobs, prompt = sampled_kernel
    other = list(b"<s>") + prompt
    path = completion_file(tmp_path / "prompt.json", tokens, logprobs, other)
    result = compare_in_kernel(
        kernel, tinker="response", prompt="prompt", externalPath=path
    )
    assert result["prompt"]["firstDiff"] == 0
    assert result["prompt"]["externalLength"] == len(prompt) + 3
    assert "template" in result["suggestion"]


def test_compare_check_through_the_comm(sampled_kernel, tmp_path):
    kernel, tokens, logprobs, prompt = sampled_kernel
    wired = kernel.expression("'compare' in %s.comm_channel.CHECK_MODULES" % AGENT)
    if not wired:
        pytest.skip("the comm handler does not route 'compare' yet (comm_channel.py)")
    path = completion_file(tmp_path / "comm.json", tokens, logprobs, prompt)
    kernel.open_comm()
    answer = kernel.comm_request(
        {
            "type": "check",
            "requestId": "r1",
            "check": "compare",
            "args": {"tinker": "response", "externalPath": path},
        }
    )
    assert answer["result"]["classification"] == "identical"
