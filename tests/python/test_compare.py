"""Output comparison on response files in the engines' documented formats.

vLLM and SGLang's OpenAI-compatible completion (`choices[0].logprobs.tokens`
/ `token_logprobs`, `prompt_token_ids` and `token_ids` when asked with
`return_token_ids`, `token_id:N` texts with `return_tokens_as_token_ids`),
chat completion (`choices[0].logprobs.content[]`), SGLang's native
`/generate` answer (`output_ids`, `meta_info.output_token_logprobs`), and a
plain list of token ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from tinker_doctor_agent import compare

ROOT = Path(__file__).resolve().parents[2]
PROMPT = list(b"Q: capital of France?\nA:")
SAMPLE = list(b" Paris is the capital of France.")
LOGPROBS = [-0.05 * (i % 7) - 0.01 for i in range(len(SAMPLE))]


class ByteTokenizer:
    """A tokenizer over bytes, as the local server's model uses."""

    def decode(self, ids):
        return bytes(ids).decode("utf-8", errors="replace")


@dataclass
class Sequence:
    """Shaped like tinker.types.SampledSequence."""

    tokens: list[int]
    logprobs: list[float] | None
    stop_reason: str = "length"


@dataclass
class Response:
    """Shaped like tinker.types.SampleResponse."""

    sequences: list[Sequence] = field(default_factory=list)


def completion(tokens, logprobs, prompt=None, ids=True, as_token_ids=False):
    """A vLLM /v1/completions answer with logprobs=1."""
    texts = [
        "token_id:%d" % t if as_token_ids else bytes([t]).decode("latin-1")
        for t in tokens
    ]
    choice = {
        "index": 0,
        "text": "".join(bytes([t]).decode("latin-1") for t in tokens),
        "logprobs": {
            "text_offset": list(range(len(tokens))),
            "token_logprobs": logprobs,
            "tokens": texts,
            "top_logprobs": [{t: lp} for t, lp in zip(texts, logprobs)],
        },
        "finish_reason": "length",
        "stop_reason": None,
    }
    if ids:
        choice["token_ids"] = tokens
    if prompt is not None:
        choice["prompt_token_ids"] = prompt
    return {
        "id": "cmpl-1",
        "object": "text_completion",
        "model": "merged",
        "choices": [choice],
        "usage": {"prompt_tokens": len(prompt or []), "completion_tokens": len(tokens)},
    }


def chat(tokens, logprobs, prompt=None, as_token_ids=True):
    """A /v1/chat/completions answer with logprobs=true."""
    content = [
        {
            "token": "token_id:%d" % t if as_token_ids else chr(t),
            "logprob": lp,
            "bytes": [t],
            "top_logprobs": [],
        }
        for t, lp in zip(tokens, logprobs)
    ]
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": bytes(tokens).decode()},
                "logprobs": {"content": content},
                "finish_reason": "length",
            }
        ],
    }
    if prompt is not None:
        answer["prompt_token_ids"] = prompt
    return answer


def sglang_native(tokens, logprobs, prompt):
    """SGLang /generate with return_logprob=true, logprob_start_len=0."""
    return {
        "text": bytes(tokens).decode(),
        "output_ids": tokens,
        "meta_info": {
            "id": "abc",
            "prompt_tokens": len(prompt),
            "completion_tokens": len(tokens),
            "input_token_logprobs": [
                [None if i == 0 else -1.0, t, None] for i, t in enumerate(prompt)
            ],
            "output_token_logprobs": [[lp, t, None] for t, lp in zip(tokens, logprobs)],
        },
    }


def run(tmp_path, answer, **args):
    path = tmp_path / "engine.json"
    path.write_text(json.dumps(answer))
    namespace = {
        "response": Response([Sequence(SAMPLE, LOGPROBS)]),
        "prompt_ids": PROMPT,
        "tok": ByteTokenizer(),
    }
    namespace.update(args.pop("namespace", {}))
    return compare.run(
        {
            "tinker": "response",
            "externalPath": str(path),
            "namespace": namespace,
            **args,
        }
    )


def drifted(offset, at=None, changed=None):
    """Tinker's logprobs plus `offset`; token `at` replaced by `changed`."""
    tokens = list(SAMPLE)
    if at is not None:
        tokens[at] = changed
    return tokens, [lp + offset for lp in LOGPROBS]


def test_thresholds_mirror_the_engine():
    source = (ROOT / "src/engine/correctness/comparison.ts").read_text()
    early = re.search(r"EARLY_DIVERGENCE_TOKEN = (\d+)", source).group(1)
    gap = re.search(r"PRECISION_LOGPROB_GAP = ([\d.]+)", source).group(1)
    assert compare.EARLY_DIVERGENCE_TOKEN == int(early)
    assert compare.PRECISION_LOGPROB_GAP == float(gap)


def test_identical_completion_with_token_and_prompt_ids(tmp_path):
    result = run(tmp_path, completion(SAMPLE, LOGPROBS, PROMPT), prompt="prompt_ids")
    assert result["ok"] is True, result["error"]
    assert result["external"]["format"] == "completion"
    assert result["prompt"] == {
        "tinkerLength": len(PROMPT),
        "externalLength": len(PROMPT),
        "firstDiff": -1,
    }
    assert result["classification"] == "identical"
    assert result["sampled"]["firstDiff"] == -1
    assert result["sampled"]["maxGap"] == 0
    assert result["suggestion"] is None


def test_late_small_drift_in_a_chat_answer_with_token_id_texts(tmp_path):
    tokens, logprobs = drifted(0.02, at=20, changed=ord("X"))
    result = run(tmp_path, chat(tokens, logprobs))
    assert result["external"]["format"] == "chat"
    assert result["external"]["hasIds"] is True
    sampled = result["sampled"]
    assert sampled["firstDiff"] == 20
    assert sampled["maxGapBefore"] == pytest.approx(0.02)
    assert sampled["logprobDiffs"][:3] == pytest.approx([0.02] * 3)
    assert result["classification"] == "late-small-drift"
    assert "float32" in result["suggestion"]
    # decoded context around the difference, on both sides
    assert sampled["tinker"]["start"] == 12
    assert sampled["tinker"]["text"] == "e capital of "
    assert sampled["external"]["text"] == "e capitaX of "


def test_early_divergence_suggests_serving_the_unmerged_adapter(tmp_path):
    tokens, logprobs = drifted(0.0, at=2, changed=ord("Z"))
    result = run(tmp_path, completion(tokens, logprobs))
    assert result["sampled"]["firstDiff"] == 2
    assert result["classification"] == "early"
    assert "--lora-modules" in result["suggestion"]


def test_large_logprob_gap_before_a_late_divergence_is_early(tmp_path):
    tokens, logprobs = drifted(0.4, at=25, changed=ord("Z"))
    result = run(tmp_path, completion(tokens, logprobs))
    assert result["sampled"]["firstDiff"] == 25
    assert result["sampled"]["maxGapBefore"] == pytest.approx(0.4)
    assert result["classification"] == "early"


def test_token_text_without_ids_is_compared_through_the_tokenizer(tmp_path):
    tokens, logprobs = drifted(0.01, at=12, changed=ord("#"))
    result = run(tmp_path, completion(tokens, logprobs, ids=False))
    assert result["external"]["hasIds"] is False
    assert result["sampled"]["firstDiff"] == 12
    assert result["classification"] == "late-small-drift"
    assert any("decoded text" in n for n in result["notes"])


def test_token_text_without_ids_and_without_tokenizer_is_explained(tmp_path):
    tokens, logprobs = drifted(0.01)
    result = run(
        tmp_path, completion(tokens, logprobs, ids=False), namespace={"tok": None}
    )
    assert result["sampled"] is None and result["classification"] is None
    assert any("return_tokens_as_token_ids" in n for n in result["notes"])


def test_vllm_token_id_texts_in_a_completion(tmp_path):
    result = run(tmp_path, completion(SAMPLE, LOGPROBS, ids=False, as_token_ids=True))
    assert result["external"]["hasIds"] is True
    assert result["classification"] == "identical"


def test_sglang_native_answer_with_a_different_prompt(tmp_path):
    prompt = list(PROMPT)
    prompt[3:3] = list(b"<|im_start|>")
    result = run(tmp_path, sglang_native(SAMPLE, LOGPROBS, prompt), prompt="prompt_ids")
    assert result["external"]["format"] == "sglang-native"
    assert result["prompt"]["firstDiff"] == 3
    assert result["prompt"]["tinker"]["text"] == "Q: capit"
    assert result["prompt"]["external"]["text"] == "Q: <|im_"
    assert "template" in result["suggestion"]
    assert result["classification"] == "identical"


def test_plain_token_list_is_classified_from_tokens_alone(tmp_path):
    tokens, _ = drifted(0.0, at=9, changed=ord("?"))
    result = run(tmp_path, tokens)
    assert result["external"]["format"] == "token-list"
    assert result["sampled"]["firstDiff"] == 9
    assert result["sampled"]["logprobDiffs"] is None
    assert result["classification"] == "late-small-drift"
    assert any("logprobs missing" in n for n in result["notes"])


def test_tinker_side_from_attribute_path_dict_and_token_list(tmp_path):
    answer = completion(SAMPLE, LOGPROBS)
    ns = {
        "runs": [Response([Sequence([1], None), Sequence(SAMPLE, LOGPROBS)])],
        "as_dict": {"tokens": SAMPLE, "logprobs": LOGPROBS},
        "ids": SAMPLE,
    }
    by_path = run(tmp_path, answer, tinker="runs[0].sequences[1]", namespace=ns)
    assert by_path["classification"] == "identical", by_path["error"]
    by_index = run(tmp_path, answer, tinker="runs", sequence=1, namespace=ns)
    assert by_index["classification"] == "identical"
    assert (
        run(tmp_path, answer, tinker="as_dict", namespace=ns)["sampled"]["maxGap"] == 0
    )
    only_ids = run(tmp_path, answer, tinker="ids", namespace=ns)
    assert only_ids["tinker"]["hasLogprobs"] is False
    assert only_ids["classification"] == "identical"


class PendingFuture:
    def done(self):
        return False

    def result(self, timeout=None):  # pragma: no cover - must not be called
        raise AssertionError("the check must not wait on a future")


@pytest.mark.parametrize(
    "args,message",
    [
        ({"tinker": "missing"}, "no variable 'missing'"),
        ({"tinker": "__import__('os')"}, "variable name"),
        ({"tinker": "fut"}, "future"),
        ({"tinker": "response", "sequence": 5}, "sequence 5"),
        ({"tinker": "response", "externalPath": "/nonexistent.json"}, "cannot read"),
    ],
)
def test_bad_input_gives_a_clear_error_and_never_raises(tmp_path, args, message):
    result = run(
        tmp_path,
        completion(SAMPLE, LOGPROBS),
        namespace={"fut": PendingFuture()},
        **args,
    )
    assert result["ok"] is False
    assert message in result["error"]


def test_unreadable_response_files_are_explained(tmp_path):
    path = tmp_path / "bad.json"
    ns = {"response": Response([Sequence(SAMPLE, LOGPROBS)])}
    for text, message in (
        ("{not json", "not JSON"),
        ('{"object": "error"}', "no choices"),
        ('{"choices": [{"text": "hi"}]}', "no logprobs"),
        ('"text"', "neither"),
    ):
        path.write_text(text)
        result = compare.run(
            {"tinker": "response", "externalPath": str(path), "namespace": ns}
        )
        assert message in result["error"], (text, result["error"])
