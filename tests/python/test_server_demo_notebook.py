"""examples/demo.ipynb runs top to bottom in a real kernel against the local server.

The demo's kernel is `tinker-cookbook` (.venvs/cookbook, made by
scripts/venvs/cookbook.sh): its renderer group needs tinker-cookbook, which
the repo's .venv does not have. The run is skipped, saying so, when that
venv or its kernelspec is absent.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.timeout(150)

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo.ipynb"
COOKBOOK_DATA = ROOT / ".venvs" / "cookbook" / "share" / "jupyter"
KERNEL = "tinker-cookbook"


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out["text"])
        elif out.get("output_type") == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return "".join(parts)


def test_demo_notebook_is_valid_nbformat_45_with_ids():
    nb = nbformat.read(DEMO, as_version=4)
    nbformat.validate(nb)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)


def test_demo_notebook_asks_for_the_cookbook_kernel():
    nb = nbformat.read(DEMO, as_version=4)
    assert nb.metadata.kernelspec.name == KERNEL


def test_demo_runs_top_to_bottom_and_fails_only_at_the_end(
    local_server_factory, monkeypatch
):
    if not (COOKBOOK_DATA / "kernels" / KERNEL / "kernel.json").is_file():
        pytest.skip(
            f"the demo's kernel {KERNEL} is not installed: run "
            "scripts/venvs/cookbook.sh (creates .venvs/cookbook)"
        )
    server = local_server_factory(compute_ms=50)
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    # As scripts/demo.sh does: the cookbook venv's kernelspec is found
    # through JUPYTER_PATH.
    extra = os.environ.get("JUPYTER_PATH")
    monkeypatch.setenv(
        "JUPYTER_PATH", os.pathsep.join(p for p in (str(COOKBOOK_DATA), extra) if p)
    )
    nb = nbformat.read(DEMO, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=60,
        kernel_name=KERNEL,
        allow_errors=True,
        # The kernel starts in the notebook's folder, as in JupyterLab, so
        # the renderer group imports examples/local_tokenizers.py.
        resources={"metadata": {"path": str(DEMO.parent)}},
    )
    start = time.monotonic()
    client.execute()
    elapsed = time.monotonic() - start
    cells = {c.id: c for c in nb.cells}
    errors = [
        c.id
        for c in nb.cells
        if any(o.output_type == "error" for o in c.get("outputs", []))
    ]
    assert errors == ["fail"], {i: _text(cells[i]) for i in errors}
    assert nb.cells[-1].id == "fail"
    assert "RequestFailedError: Request failed: Unknown client error" in _text(
        cells["fail"]
    )

    losses = [
        float(x) for x in re.search(r"loss: (.*)", _text(cells["sft"])).group(1).split()
    ]
    assert len(losses) == 15 and losses[-1] < losses[0]
    assert "sampler_weights/demo-sft" in _text(cells["sample"])
    assert "exceeds max sequence length" in _text(cells["too-long"])
    assert "steps/s" in _text(cells["gil"]) and "steps/s" in _text(cells["unpipelined"])
    assert server.base_url in _text(cells["setup"])
    # The renderer group built the cookbook's qwen3_instruct renderer on the
    # local tokenizer with Qwen3's template, and a supervised example of the
    # first pair: no <think> block (the template writes one), the answer
    # tokens weighted.
    renderer = _text(cells["renderer"])
    assert "Qwen3InstructRenderer for Qwen/Qwen3-8B" in renderer
    assert "<|im_start|>assistant\\nThe sky is blue.<|im_end|>" in renderer
    assert "<think>" not in renderer
    weighted, total = map(
        int, re.search(r"(\d+) of (\d+) tokens carry loss weight", renderer).groups()
    )
    assert 0 < weighted < total
    assert elapsed < 90
