"""The agent's timeline in a real kernel: the real tinker SDK against the
local server, the real watchdog calling ``timeline.on_tick``.

A cell that submits forward_backward and optim_step and waits on their
results must give one timeline for that cell run, with both requests from
submit to resolve and a wait of the main thread on the cell's line.
"""

import pytest

from kernel_harness import AGENT, Kernel
from test_watchdog_sdk import SETUP

pytestmark = pytest.mark.timeout(300)

LOOP = (
    "fb = training.forward_backward([datum], 'cross_entropy')\n"  # 1
    "opt = training.optim_step(types.AdamParams(learning_rate=1e-3))\n"  # 2
    "fb.result(timeout=60)\n"  # 3
    "opt.result(timeout=60)\n"  # 4
)


def test_a_cell_run_records_requests_and_waits(local_server_factory):
    server = local_server_factory(compute_ms=1500)
    k = Kernel(env=server.env()).start()
    try:
        k.inject()
        k.open_comm()
        k.run(SETUP, cell_id="setup", timeout=120)
        reply = k.run(LOOP, cell_id="loop", timeout=120)
        assert reply["status"] == "ok", reply
        k.run("x = 1", cell_id="after", timeout=60)
        k.pump(1.0)
        runs = k.expression(
            "%s.JsonResult(%s.timeline.export())" % (AGENT, AGENT)
        )
    finally:
        k.stop()
    loop_runs = [r for r in runs if r["cellId"] == "loop"]
    assert len(loop_runs) == 1, runs
    run = loop_runs[0]
    assert run["endedAt"] is not None and run["endedAt"] > run["startedAt"]
    names = [r["name"] for r in run["requests"]]
    assert "forward_backward" in names and "optim_step" in names, names
    for request in run["requests"]:
        if request["name"] in ("forward_backward", "optim_step"):
            assert request["resolveAt"] is not None, request
            assert request["submitAt"] >= run["startedAt"] - 1e-3
            # The server computes for 1.5 s per request.
            assert request["resolveAt"] - request["submitAt"] >= 0.5, request
    waits = run["waits"]
    assert waits, run
    assert {w["line"] for w in waits} <= {3, 4}, waits
    waited = sum(w["end"] - w["start"] for w in waits if w["end"] is not None)
    assert waited >= 1.0, waits
    # Nothing of the setup cell's client creation leaks into this run.
    assert all(r["submitAt"] <= run["endedAt"] for r in run["requests"])
