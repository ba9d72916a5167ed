"""Which tokenizer the renderer check compares with (renderer_tokenizer.py):
found offline only, the namespace's tokenizer for the model preferred
exactly, odd objects never taken for tokenizers, clear load errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

import pytest
from cookbook_env import require

require("tinker_cookbook")
require("tinker")
from families import qwen3_tokenizer  # noqa: E402
from renderer_helpers import QWEN3, check  # noqa: E402
from tinker_cookbook import renderers  # noqa: E402
from tinker_doctor_agent import (  # noqa: E402
    renderer_check,
    renderer_find,
    renderer_tokenizer,
)

pytestmark = pytest.mark.timeout(120)

NO_NETWORK = r"""
import json, os, socket, sys, traceback
calls = []
def deny(*args, **kwargs):
    calls.append("".join(traceback.format_stack(limit=8)))
    raise OSError("network blocked by the test")
socket.getaddrinfo = deny
socket.create_connection = deny
import tinker
from families import qwen3_tokenizer
from tinker_doctor_agent import renderer_check
args = {"renderer": "qwen3", "model": "Qwen/Qwen3-8B", "namespace": {}}
missing = renderer_check.run(args)
repo = os.path.join(os.environ["HF_HOME"], "hub", "models--Qwen--Qwen3-8B")
commit = "0123456789abcdef0123456789abcdef01234567"
qwen3_tokenizer().save_pretrained(os.path.join(repo, "snapshots", commit))
os.makedirs(os.path.join(repo, "refs"))
with open(os.path.join(repo, "refs", "main"), "w") as handle:
    handle.write(commit)
cached = renderer_check.run(args)
print(json.dumps({"missing": missing, "cached": cached, "calls": calls}))
"""


def test_offline_tokenizer_lookup_makes_no_network_call_cached_or_not(tmp_path):
    env = dict(
        os.environ,
        HF_HOME=str(tmp_path / "hf"),
        PYTHONPATH=os.pathsep.join(sys.path),
    )
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", NO_NETWORK],
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["calls"] == []
    missing = result["missing"]["error"]
    assert "not available offline" in missing and "nothing was downloaded" in missing
    assert "not in the local Hugging Face cache" in missing
    assert "couldn't connect" not in missing.lower()
    cached = result["cached"]
    assert "error" not in cached, cached.get("error")
    assert cached["tokenizerSource"] == "local Hugging Face cache (Qwen/Qwen3-8B)"
    assert cached["realMismatches"] == 0


def test_tokenizer_path_without_tokenizer_files_says_so_completely(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    result = check(None, "qwen3", {}, tokenizerPath=str(tmp_path))
    assert result["error"] == (
        f"path {tmp_path}: the folder has no tokenizer files (expected one of "
        "tokenizer.json, tokenizer_config.json, tokenizer.model)"
    )


def test_tokenizer_path_with_broken_files_gives_the_whole_reason(tmp_path):
    (tmp_path / "tokenizer_config.json").write_text('{"tokenizer_class": "Nope"}')
    result = check(None, "qwen3", {}, tokenizerPath=str(tmp_path))
    assert result["error"].startswith(f"path {tmp_path}: the tokenizer in ")
    assert "could not be loaded (" in result["error"]
    assert result["error"].endswith(")")
    assert "\n" not in result["error"]


def named(path):
    """A Qwen3-template tokenizer whose name_or_path is `path`."""
    tokenizer = qwen3_tokenizer()
    tokenizer.name_or_path = path
    return tokenizer


@pytest.fixture(scope="module")
def base_and_exact():
    return named("Qwen/Qwen3-8B-Base"), named("Qwen/Qwen3-8B")


def test_the_tokenizer_loaded_from_exactly_the_model_wins_over_a_longer_name(
    base_and_exact,
):
    base, exact = base_and_exact
    # The -Base tokenizer comes first and its path contains "Qwen3-8B".
    namespace = {"base_tok": base, "tok": exact}
    found, source = renderer_tokenizer.find_tokenizer({}, None, namespace, QWEN3)
    assert found is exact
    assert source == "tokenizer in the namespace (tok)"
    # A checkpoint suffix on the model id still matches exactly.
    found, _ = renderer_tokenizer.find_tokenizer(
        {}, None, namespace, QWEN3 + ":step-100"
    )
    assert found is exact


def test_a_local_folder_named_like_the_model_wins_over_a_containing_name(
    base_and_exact,
):
    base, _ = base_and_exact
    folder = named("/models/qwen3-8b/")
    namespace = {"base_tok": base, "local": folder}
    found, source = renderer_tokenizer.find_tokenizer({}, None, namespace, QWEN3)
    assert found is folder and source == "tokenizer in the namespace (local)"
    # With no better match, the containing name is still taken.
    found, _ = renderer_tokenizer.find_tokenizer({}, None, {"base_tok": base}, QWEN3)
    assert found is base


class Lazy:
    """A lazy proxy whose every attribute raises."""

    def __getattr__(self, name):
        raise RuntimeError(f"lazy proxy: not initialised ({name})")


def test_an_object_whose_getattr_raises_does_not_break_the_check(qwen3_tok):
    live = renderers.get_renderer("qwen3", qwen3_tok, model_name=QWEN3)
    namespace = {"lazy": Lazy(), "tok": qwen3_tok, "renderer": live}
    result = renderer_check.run({"namespace": namespace})
    assert "error" not in result, result.get("error")
    assert result["renderer"] == "qwen3"
    namespace = {"lazy": Lazy(), "tok": qwen3_tok}
    result = renderer_check.run(
        {"renderer": "qwen3", "model": QWEN3, "namespace": namespace}
    )
    assert result["tokenizerSource"] == "tokenizer in the namespace (tok)"


def test_a_mock_is_never_taken_for_a_tokenizer(qwen3_tok, tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    result = check(None, "qwen3", {"m": mock.MagicMock()})
    assert "not available offline" in result["error"]
    result = check(qwen3_tok, "qwen3", {"m": mock.MagicMock(), "tok": qwen3_tok})
    assert result["tokenizerSource"] == "tokenizer in the namespace (tok)"
    assert not renderer_find.is_tokenizer(mock.MagicMock())
    assert not renderer_find.is_tokenizer(Lazy())
    assert renderer_find.is_tokenizer(qwen3_tok)
