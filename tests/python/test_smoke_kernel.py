"""The smoke check run the way the frontend runs it: a comm `check` in a real kernel."""

from __future__ import annotations

import time

import pytest

from kernel_harness import Kernel

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def kernel(tinker_server):
    with Kernel(env=tinker_server.env()) as k:
        k.inject()
        k.open_comm()
        yield k


def test_smoke_check_through_the_comm(kernel, tinker_server):
    answer = kernel.comm_request(
        {
            "type": "check",
            "check": "smoke",
            "args": {"createClient": True, "timeoutS": 10},
        },
        timeout=60,
    )
    result = answer["result"]
    assert result["reachable"] is True and result["error"] is None
    assert result["models"] == 2 and result["baseUrl"] == tinker_server.base_url
    assert result["creation"]["ok"] is True
    assert kernel.snapshot()["checks"]["smoke"]["reachable"] is True


def test_hung_creation_answers_after_the_timeout_and_the_kernel_stays_free(
    kernel, tinker_server
):
    tinker_server.admin.set_fault("hang-create", delay_s=0.5)
    start = time.monotonic()
    answer = kernel.comm_request(
        {
            "type": "check",
            "check": "smoke",
            "args": {"createClient": True, "creationTimeoutS": 3},
        },
        timeout=30,
    )
    assert time.monotonic() - start < 15
    creation = answer["result"]["creation"]
    assert creation["timedOut"] is True and creation["ok"] is False
    # The kernel still runs cells at once.
    reply = kernel.run("1 + 1", cell_id="after", timeout=10)
    assert reply["status"] == "ok"
