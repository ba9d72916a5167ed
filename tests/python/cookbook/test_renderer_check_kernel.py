"""The renderer check through the agent in a real kernel, as the panel runs
it: the agent injected as the frontend does, a `check` request on the comm,
the renderer and tokenizer found in the user's namespace."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cookbook_env import require

require("tinker_cookbook")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from kernel_harness import Kernel  # noqa: E402

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


def test_in_the_kernel_the_renderer_rebound_last_is_checked(kernel):
    # Cell 1 is run, cell 2 defines a scratch renderer, then cell 1 is
    # edited and run again: the panel sends the cells in notebook order,
    # and IPython's input history says cell 1's binding came last.
    first = USER_CELL.replace("{name}", "qwen3_instruct")
    scratch = (
        'scratch = renderers.get_renderer("qwen3", tok, model_name="Qwen/Qwen3-8B")'
    )
    edited = USER_CELL.replace("{name}", "qwen3_disable_thinking")
    for cell_id, source in (("r1", first), ("r2", scratch), ("r1", edited)):
        assert kernel.run(source, cell_id=cell_id)["status"] == "ok"
    odd = (
        "from unittest import mock\n"
        "class Lazy:\n"
        "    def __getattr__(self, name):\n"
        "        raise RuntimeError(name)\n"
        "lazy, m = Lazy(), mock.MagicMock()\n"
    )
    assert kernel.run(odd, cell_id="r3")["status"] == "ok"
    reply = kernel.comm_request(
        {
            "type": "check",
            "check": "renderer",
            "args": {"cellSources": [edited, scratch, odd]},
        },
        timeout=180,
    )
    result = reply["result"]
    assert "error" not in result, result.get("error")
    assert result["renderer"] == "qwen3_disable_thinking"
    assert result["otherRenderers"] == [{"variable": "scratch", "name": "qwen3"}]
    assert result["errored"] == 0 and result["realMismatches"] == 0
