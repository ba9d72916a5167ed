"""The renderer check through the agent in a real kernel, as the panel runs
it: the agent injected as the frontend does, a `check` request on the comm,
the renderer and tokenizer found in the user's namespace."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from kernel_harness import Kernel

pytestmark = pytest.mark.timeout(240)

USER_CELL = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from families import qwen3_tokenizer
from tinker_cookbook import renderers
tok = qwen3_tokenizer()
renderer = renderers.get_renderer("{{name}}", tok, model_name="Qwen/Qwen3-8B")
"""


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    hf_home = tmp_path_factory.mktemp("hf")
    with Kernel(env={"HF_HOME": str(hf_home)}, python=sys.executable) as k:
        k.inject()
        k.open_comm()
        yield k


def check(kernel, cell):
    reply = kernel.comm_request(
        {"type": "check", "check": "renderer", "args": {"cellSources": [cell]}},
        timeout=180,
    )
    assert reply["type"] == "check-result" and reply["check"] == "renderer"
    return reply["result"]


def test_check_in_the_kernel_finds_the_users_renderer_and_tokenizer(kernel):
    cell = USER_CELL.replace("{name}", "qwen3")
    assert kernel.run(cell, cell_id="c1")["status"] == "ok"
    result = check(kernel, cell)
    assert "error" not in result, result.get("error")
    assert result["renderer"] == "qwen3"
    assert result["model"] == "Qwen/Qwen3-8B"
    assert "renderer" in result["tokenizerSource"]
    assert result["realMismatches"] == 0
    assert result["recommended"] == ["qwen3", "qwen3_disable_thinking"]


def test_check_in_the_kernel_shows_the_divergence_decoded(kernel):
    cell = USER_CELL.replace("{name}", "qwen3_instruct")
    assert kernel.run(cell, cell_id="c2")["status"] == "ok"
    result = check(kernel, cell)
    assert result["renderer"] == "qwen3_instruct"
    assert result["realMismatches"] > 0
    assert result["window"]["template"]["after"].startswith("<think>")
    snapshot = kernel.snapshot()
    assert snapshot["checks"]["renderer"]["renderer"] == "qwen3_instruct"
