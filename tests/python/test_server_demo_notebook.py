"""examples/demo.ipynb runs top to bottom in a real kernel against the local server."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

pytestmark = pytest.mark.timeout(150)

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo.ipynb"


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


def test_demo_runs_top_to_bottom_and_fails_only_at_the_end(
    local_server_factory, monkeypatch
):
    server = local_server_factory(compute_ms=50)
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(DEMO, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=60, kernel_name="python3", allow_errors=True
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
    assert elapsed < 90
