"""The watchdog with the real tinker SDK against the local server (TD120/TD123).

A training loop whose data step holds the GIL must be reported on the data
line, not on the `.result()` line; a loop that waits on a slow server must
be reported as a wait (TD123 facts), not as a stall.
"""

import pytest

from kernel_harness import Kernel

pytestmark = pytest.mark.timeout(300)

MODEL = "local/bigram-byte"

SETUP = (
    "import random, tinker\n"
    "import numpy as np\n"
    "from tinker import types\n"
    "tokens = list(b'a small text for a small model. ')\n"
    "datum = types.Datum(\n"
    "    model_input=types.ModelInput.from_ints(tokens[:-1]),\n"
    "    loss_fn_inputs={\n"
    "        'target_tokens': types.TensorData.from_numpy(np.array(tokens[1:], dtype=np.int64)),\n"
    "        'weights': types.TensorData.from_numpy(np.ones(len(tokens) - 1, dtype=np.float32)),\n"
    "    },\n"
    ")\n"
    "service = tinker.ServiceClient()\n"
    "training = service.create_lora_training_client(base_model=%r, rank=2).result(timeout=60)\n"
    "floats = [random.random() for _ in range(1_500_000)]\n" % MODEL
)

GIL_LOOP = (
    "for step in range(3):\n"  # 1
    "    future = training.forward_backward([datum], 'cross_entropy')\n"  # 2
    "    batch = sorted(floats)\n"  # 3  the GIL-heavy data step
    "    out = future.result(timeout=60)\n"  # 4
)


def _kernel(server):
    k = Kernel(env=server.env()).start()
    k.inject()
    k.open_comm()
    return k


def test_gil_heavy_data_step_is_a_stall_on_the_data_line(tinker_server):
    k = _kernel(tinker_server)
    try:
        k.run(SETUP, cell_id="setup", timeout=120)
        reply = k.run(GIL_LOOP, cell_id="loop", timeout=120)
        assert reply["status"] == "ok", reply
        k.pump(0.5)
        facts = k.snapshot()
    finally:
        k.stop()
    stalls = [s for s in facts["stalls"] if s["cellId"] == "loop"]
    lines = {s["line"] for s in stalls}
    # On the data line, never on the .result() line (a hold whose stack was
    # only sampled after the main thread reached its wait has no line).
    assert 3 in lines and lines <= {3, None}, stalls
    assert max(s["durationMs"] for s in stalls) >= 100
    assert any(s["sdkThread"] for s in stalls)
    assert not [w for w in facts["waits"] if w["cellId"] == "loop"]
    sdk = facts["sdk"]
    assert sdk["imported"] and sdk["threadAlive"] and sdk["loopRunning"]
    assert sdk["baseUrlIsDefault"] is False
    clients = {c["variable"]: c for c in facts["clients"]}
    assert clients["training"]["kind"] == "TrainingClient"
    assert clients["training"]["baseModel"] == MODEL
    assert clients["training"]["createdInCellId"] == "setup"
    assert clients["training"]["sessionId"]
    assert facts["modelsInUse"] == [MODEL]
    coroutines = {t["coroutine"].rpartition(".")[2] for t in sdk["pendingTasks"]}
    assert "_session_heartbeat" in coroutines
    assert facts["env"]["TINKER_API_KEY"] == "<set>"


def test_waiting_on_a_slow_server_is_a_wait_not_a_stall(local_server_factory):
    server = local_server_factory(compute_ms=4000)
    k = _kernel(server)
    try:
        k.comm_request({"type": "configure", "waitThresholdMs": 1500})
        k.run(SETUP, cell_id="setup", timeout=120)
        reply = k.run(
            "out = training.forward_backward([datum], 'cross_entropy').result(timeout=60)\n",
            cell_id="slow",
            timeout=120,
        )
        assert reply["status"] == "ok", reply
        k.pump(0.5)
        events = k.events("wait")
        facts = k.snapshot()
    finally:
        k.stop()
    waits = [w for w in facts["waits"] if w["cellId"] == "slow"]
    assert len(waits) == 1, facts["waits"]
    wait = waits[0]
    assert wait["line"] == 1
    assert wait["durationMs"] >= 1500
    assert wait["mainIdle"] is True
    assert wait["sdkLoopHealthy"] is True
    assert wait["ongoing"] is False
    assert [e for e in events if e["cellId"] == "slow" and e["ongoing"]]
    assert not [s for s in facts["stalls"] if s["cellId"] == "slow"]
