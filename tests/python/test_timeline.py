"""The agent's timeline, driven with synthetic tasks and real frames."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import json
import sys
import threading
import time
from pathlib import Path

import pytest

AGENT = Path(__file__).resolve().parents[2] / "agent" / "tinker_doctor_agent"
T0 = 1_765_000_000.0


def _load():
    # A fresh copy of the module each time, inside the agent package so that
    # its relative imports resolve.
    spec = importlib.util.spec_from_file_location(
        "tinker_doctor_agent._test_timeline", AGENT / "timeline.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def tl():
    module = _load()
    yield module
    module.reset()


class FakeFrame:
    def __init__(self, owner):
        self.f_locals = {"self": owner}


class FakeCode:
    def __init__(self, filename):
        self.co_filename = filename


class FakeCoro:
    def __init__(self, qualname, owner=None, filename="/sdk/tinker/x.py"):
        self.__qualname__ = qualname
        self.cr_frame = FakeFrame(owner) if owner is not None else None
        self.cr_code = FakeCode(filename)


class FakeTask:
    """Enough of asyncio.Task for the timeline: get_coro() and done()."""

    def __init__(self, qualname, owner=None, filename="/sdk/tinker/x.py"):
        self._coro = FakeCoro(qualname, owner, filename)
        self.finished = False

    def get_coro(self):
        return self._coro

    def done(self):
        return self.finished


FWD = "TrainingClient._run_fwd_bwd.<locals>._run_async"
OPT = "TrainingClient.optim_step.<locals>._optim_step_async"
HEARTBEAT = "InternalClientHolder._session_heartbeat"


def _in_module(module_name, source, name):
    """A function defined as if in another module (for frame globals)."""
    scope = {"__name__": module_name}
    exec(source, scope)
    return scope[name]


# A future's result() as the SDK defines it, calling back into the test
# while "blocked" so the test can tick with the live frame.
SDK_RESULT = _in_module(
    "tinker.lib.public_interfaces.api_future",
    "def result(callback):\n    return callback()\n",
    "result",
)
PLAIN_RESULT = _in_module(
    "concurrent.futures._base",
    "def result(callback):\n    return callback()\n",
    "result",
)


def user_cell(wait, callback):
    """Stands for the user's cell: waits on a future (line known)."""
    return wait(callback)


def test_request_submit_and_resolve_come_from_task_sightings(tl):
    fwd, opt, beat = FakeTask(FWD), FakeTask(OPT), FakeTask(HEARTBEAT)
    tl.on_tick(T0, [beat], None, "c1")
    tl.on_tick(T0 + 0.1, [beat, fwd], None, "c1")
    tl.on_tick(T0 + 0.2, [beat, fwd, opt], None, "c1")
    tl.on_tick(T0 + 3.0, [beat, opt], None, "c1")
    opt.finished = True
    tl.on_tick(T0 + 3.5, [beat, opt], None, "c1")
    tl.on_tick(T0 + 4.0, [beat], None, None)
    (run,) = tl.export()
    assert run["cellId"] == "c1"
    assert run["startedAt"] == T0 and run["endedAt"] == T0 + 4.0
    got = [(r["name"], r["submitAt"], r["resolveAt"]) for r in run["requests"]]
    assert got == [
        ("forward_backward", T0 + 0.1, T0 + 3.0),
        ("optim_step", T0 + 0.2, T0 + 3.5),
    ]


def test_background_coroutines_are_not_requests(tl):
    tasks = [
        FakeTask(HEARTBEAT),
        FakeTask("SessionFuturesPoller._poll_loop"),
        FakeTask("Telemetry._periodic_flush"),
    ]
    tl.on_tick(T0, tasks, None, "c1")
    assert tl.export()[0]["requests"] == []


def test_sdk_helpers_and_asyncio_primitives_are_not_requests(tl):
    class Owner:
        request_type = "ForwardBackward"

    tasks = [
        FakeTask("_APIFuture.result_async"),
        FakeTask("_CombinedAPIFuture._combine"),
        FakeTask("Event.wait", filename="/usr/lib/python3.11/asyncio/locks.py"),
        FakeTask("_APIFuture._result_async", owner=Owner()),
        FakeTask("SamplingClient.sample.<locals>._sample_async_with_retries"),
        FakeTask("TrainingClient.save_state.<locals>._save_state_async"),
    ]
    tl.on_tick(T0, tasks, None, "c1")
    names = [r["name"] for r in tl.export()[0]["requests"]]
    assert names == ["ForwardBackward (server)", "sample", "save_state"]


def test_wait_spans_cover_ticks_inside_a_sdk_result(tl):
    fwd = FakeTask(FWD)
    tl.on_tick(T0, [fwd], None, "c1")
    lines = []

    def tick(now):
        def callback():
            lines.append(sys._getframe().f_back.f_back.f_lineno)
            tl.on_tick(now, [fwd], sys._getframe(), "c1")

        user_cell(SDK_RESULT, callback)

    tick(T0 + 1)
    tick(T0 + 2)
    tl.on_tick(T0 + 2.5, [], None, "c1")
    (run,) = tl.export()
    (wait,) = run["waits"]
    assert (wait["start"], wait["end"]) == (T0 + 1, T0 + 2.5)
    assert wait["what"].endswith("result")
    assert wait["line"] == lines[0]


def test_a_sdk_wait_is_named_by_the_sdk_call_not_the_inner_future(tl):
    def sdk_result_over_plain(callback):
        return SDK_RESULT(lambda: PLAIN_RESULT(callback))

    user_cell(
        sdk_result_over_plain,
        lambda: tl.on_tick(T0, [FakeTask(FWD)], sys._getframe(), "c1"),
    )
    (wait,) = tl.export()[0]["waits"]
    assert wait["what"] == "result"  # the SDK's result(), module tinker.*


def test_waits_on_two_lines_are_two_waits(tl):
    fwd = FakeTask(FWD)

    def first(callback):
        return SDK_RESULT(callback)

    def second(callback):
        return SDK_RESULT(callback)

    user_cell(first, lambda: tl.on_tick(T0, [fwd], sys._getframe(), "c1"))
    user_cell(second, lambda: tl.on_tick(T0 + 1, [fwd], sys._getframe(), "c1"))
    tl.on_tick(T0 + 2, [fwd], None, "c1")
    waits = tl.export()[0]["waits"]
    assert [(w["start"], w["end"]) for w in waits] == [
        (T0, T0 + 1),
        (T0 + 1, T0 + 2),
    ]
    assert waits[0]["line"] != waits[1]["line"]


def test_plain_future_wait_counts_only_with_pending_requests(tl):
    def tick(now, tasks):
        user_cell(
            PLAIN_RESULT,
            lambda: tl.on_tick(now, tasks, sys._getframe(), "c1"),
        )

    tick(T0, [])
    tick(T0 + 1, [])
    assert tl.export()[0]["waits"] == []
    tick(T0 + 2, [FakeTask("SamplingClient.sample.<locals>._sample_async")])
    assert tl.export()[0]["waits"][0]["start"] == T0 + 2


def test_each_cell_run_gets_its_own_timeline(tl):
    slow = FakeTask(FWD)
    tl.on_tick(T0, [slow], None, "a")
    tl.on_tick(T0 + 1, [slow], None, None)
    tl.on_tick(T0 + 2, [slow], None, "b")
    tl.on_tick(T0 + 3, [], None, "b")
    a, b = tl.export()
    assert (a["cellId"], a["run"], a["endedAt"]) == ("a", 1, T0 + 1)
    assert (b["cellId"], b["run"]) == ("b", 2)
    # A request submitted in run a and resolved during run b stays in a.
    assert a["requests"][0]["resolveAt"] == T0 + 3
    assert b["requests"] == []


def test_stalls_are_merged_when_the_watchdog_reports_their_end(tl):
    tl.on_tick(T0, [], None, "c1")
    tl.record_stall({"startedAt": T0 + 1, "durationMs": 600, "ongoing": True})
    tl.record_stall({"startedAt": T0 + 1, "durationMs": 2400, "ongoing": False})
    tl.record_stall({"startedAt": "bad", "durationMs": 1})
    tl.record_stall("not a dict")
    (stall,) = tl.export()[0]["stalls"]
    assert stall == {
        "startedAt": T0 + 1,
        "durationMs": 2400.0,
        "ongoing": False,
        "line": None,
    }


def test_monotonic_ticks_are_converted_to_epoch(tl):
    tl.on_tick(time.monotonic(), [], None, "c1")
    assert abs(tl.export()[0]["startedAt"] - time.time()) < 5


def test_memory_stays_bounded(tl):
    for i in range(tl.MAX_RUNS + 5):
        tl.on_tick(T0 + i, [], None, "cell-%d" % i)
    assert len(tl.export()) == tl.MAX_RUNS
    tl.reset()
    tl.on_tick(T0, [], None, "c")
    tasks = [FakeTask("x%d" % i) for i in range(tl.MAX_ITEMS_PER_RUN + 10)]
    tl.on_tick(T0 + 1, tasks, None, "c")
    (run,) = tl.export()
    assert len(run["requests"]) == tl.MAX_ITEMS_PER_RUN
    assert run["dropped"] == 10


def test_a_collected_task_whose_id_is_reused_is_a_new_request(tl):
    first = FakeTask(FWD)
    tl.on_tick(T0, [first], None, "c")
    key = id(first)
    del first
    gc.collect()
    second = FakeTask(OPT)
    tl.on_tick(T0 + 1, [second], None, "c")
    names = [r["name"] for r in tl.export()[0]["requests"]]
    assert names[-1] == "optim_step"
    assert len(names) == 2 or key != id(second)


def test_bad_input_never_raises(tl):
    tl.on_tick(T0, None, None, "c")
    tl.on_tick(T0, [object()], "not a frame", "c")
    tl.on_tick("later", [], None, "c")
    assert json.loads(json.dumps(tl.export()))


def test_real_asyncio_tasks_on_a_background_loop(tl):
    """Tasks of a real loop in another thread, as the watchdog sees them."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        release = threading.Event()

        async def _optim_step_async():
            await loop.run_in_executor(None, release.wait)

        future = asyncio.run_coroutine_threadsafe(_optim_step_async(), loop)

        def pending():
            return list(asyncio.all_tasks(loop))

        deadline = time.monotonic() + 5
        while not pending() and time.monotonic() < deadline:
            time.sleep(0.01)
        tl.on_tick(T0, pending(), None, "c")
        release.set()
        future.result(timeout=5)
        tl.on_tick(T0 + 1, pending(), None, "c")
        (req,) = tl.export()[0]["requests"]
        assert (req["name"], req["resolveAt"]) == ("optim_step", T0 + 1)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
