"""The kernel probe in a real ipykernel with the real tinker SDK installed."""

import json
import subprocess
import sys
import time
from importlib.metadata import version

import pytest

from kernel_harness import AGENT, Kernel, injection_code

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def kernel():
    with Kernel() as k:
        yield k


def test_probe_reports_versions_without_importing_tinker(kernel):
    kernel.inject()
    facts = kernel.snapshot()
    assert facts["schema"] == "tinker-doctor/facts@1"
    assert facts["packages"]["tinker"] == version("tinker")
    assert facts["packages"]["pydantic"] == version("pydantic")
    assert "tinker-cookbook" in facts["packages"]
    assert any(r.startswith("pydantic") for r in facts["requirements"]["tinker"])
    assert facts["python"]["version"] == "%d.%d.%d" % sys.version_info[:3]
    assert facts["python"]["switchInterval"] == pytest.approx(0.005)
    assert facts["sdk"]["imported"] is False
    assert facts["sdk"]["threadAlive"] is False
    assert kernel.expression("'tinker' in __import__('sys').modules") is False


def test_probe_with_tinker_imported_does_not_start_the_sdk_thread(kernel):
    kernel.run("import tinker", cell_id="imp")
    kernel.inject()
    facts = kernel.snapshot()
    sdk = facts["sdk"]
    assert sdk["imported"] is True
    assert sdk["threadAlive"] is False
    assert sdk["loopRunning"] is False
    assert sdk.get("started") is False
    assert not [t for t in facts["threads"] if t["role"] == "sdk"]
    started = kernel.expression(
        "__import__('sys').modules['tinker.lib.internal_client_holder']"
        "._internal_client_holder_thread_singleton._started"
    )
    assert started is False
    names = kernel.expression("[t.name for t in __import__('threading').enumerate()]")
    assert not [n for n in names if "_background_thread_func" in n]


SDK_CELL = """
import asyncio, time, tinker
from tinker.lib import internal_client_holder as ich
loop = ich._internal_client_holder_thread_singleton.get_loop()

class InternalClientHolder:
    async def _session_heartbeat(self, session_id):
        last_heartbeat_time = time.monotonic() - 30.0
        await asyncio.sleep(1000)

class _APIFuture:
    async def _result_async(self):
        await asyncio.sleep(1000)

hb = asyncio.run_coroutine_threadsafe(InternalClientHolder()._session_heartbeat('s'), loop)
req = asyncio.run_coroutine_threadsafe(_APIFuture()._result_async(), loop)
time.sleep(0.2)
"""


def test_probe_reports_running_sdk_thread_tasks_and_heartbeat_age(kernel):
    kernel.run(SDK_CELL, cell_id="sdk")
    kernel.inject()
    facts = kernel.snapshot()
    sdk = facts["sdk"]
    assert sdk["threadAlive"] is True and sdk["loopRunning"] is True
    assert 0 <= sdk["loopLagMs"] < 200
    names = {t["coroutine"]: t for t in sdk["pendingTasks"]}
    assert names["_APIFuture._result_async"]["request"] is True
    assert names["InternalClientHolder._session_heartbeat"]["request"] is False
    assert 29 <= sdk["lastHeartbeatAgeS"] < 60
    sdk_threads = [t for t in facts["threads"] if t["role"] == "sdk"]
    assert len(sdk_threads) == 1
    assert sdk_threads[0]["state"] == "waiting"
    assert sdk_threads[0]["stack"][-1]["function"] in ("select", "_run_once")


def _namespace_state(k):
    expr = (
        "repr((sorted(get_ipython().user_ns), get_ipython().execution_count,"
        " len(In), len(Out), repr(_), repr(__), repr(___), _i, _ii))"
    )
    return k.expression(expr)


def test_agent_leaves_user_namespace_and_history_untouched(kernel):
    kernel.run("x = 41", cell_id="a")
    kernel.run("x + 1", cell_id="b")
    kernel.run("'second'", cell_id="c")
    before = _namespace_state(kernel)
    kernel.inject()
    kernel.inject()
    kernel.open_comm()
    kernel.snapshot()
    kernel.comm_request({"type": "snapshot"})
    kernel.comm_request({"type": "check", "check": "nope"})
    assert _namespace_state(kernel) == before
    kernel.uninstall()
    assert _namespace_state(kernel) == before
    # Cells still count normally afterwards.
    reply = kernel.run("x", cell_id="d")
    assert reply["execution_count"] == 4


def test_second_injection_keeps_one_agent(kernel):
    first = kernel.inject()["user_expressions"]["status"]["data"]["application/json"]
    second = kernel.inject()["user_expressions"]["status"]["data"]["application/json"]
    assert first["version"] == second["version"]
    count = kernel.expression(
        "sum(1 for f in get_ipython().events.callbacks['pre_run_cell']"
        " if f.__code__.co_filename.startswith('<tinker-doctor:'))"
    )
    assert count == 1
    threads = kernel.expression(
        "[t.name for t in __import__('threading').enumerate()"
        " if t.name.startswith('tinker-doctor')]"
    )
    assert threads.count("tinker-doctor-watchdog") <= 1


def test_another_version_replaces_the_running_agent(kernel):
    import re

    first = kernel.inject()["user_expressions"]["status"]["data"]["application/json"]
    code = injection_code()
    other = re.sub(r'"VERSION": ?"[0-9a-f]+"', '"VERSION": "other-version"', code)
    assert other != code
    msg_id = kernel.send_execute(
        other,
        silent=True,
        store_history=False,
        user_expressions={"status": AGENT + ".status()"},
    )
    reply = kernel.wait_reply(msg_id)["content"]
    status = reply["user_expressions"]["status"]["data"]["application/json"]
    assert first["version"] != status["version"] == "other-version"
    counts = kernel.expression(
        "(sum(1 for f in get_ipython().events.callbacks['pre_run_cell']"
        " if f.__code__.co_filename.startswith('<tinker-doctor:')),"
        " [t.name for t in __import__('threading').enumerate()"
        " if t.name == 'tinker-doctor-watchdog'])"
    )
    assert counts == (1, ["tinker-doctor-watchdog"])


def test_uninstall_removes_every_trace_and_can_run_twice(kernel):
    for _ in range(2):
        kernel.inject()
        kernel.open_comm()
        assert kernel.uninstall() == {"removed": True}
        leftovers = kernel.expression(
            "("
            "[m for m in __import__('sys').modules if m.startswith('_tinker_doctor')],"
            "[f for e in get_ipython().events.callbacks.values() for f in e"
            " if getattr(getattr(f, '__code__', None), 'co_filename', '')"
            ".startswith('<tinker-doctor:')],"
            "'tinker-doctor' in get_ipython().kernel.comm_manager.targets,"
            "[t.name for t in __import__('threading').enumerate()"
            " if t.name.startswith('tinker-doctor')],"
            "[f for f in __import__('sys').meta_path if 'Finder' in type(f).__name__"
            " and type(f).__module__ == '_tinker_doctor_boot'])"
        )
        assert leftovers == ([], [], False, [], [])


SECRETS = {
    "TINKER_API_KEY": "tml-" + "a1b2c3d4" * 5,
    "HF_TOKEN": "hf_" + "Zx9" * 10,
    "CLOUDFLARE_ACCESS_CLIENT_SECRET": "cf-secret-value-123",
    "TINKER_SOMETHING": "Q2hhbmdlTWVQbGVhc2UxMjM0NTY3ODkw",
    "HTTPS_PROXY": "http://alice:pa55word@proxy.internal:3128",
}


def test_secrets_are_reported_only_as_set():
    env = dict(SECRETS, TINKER_BASE_URL="http://127.0.0.1:9", TINKER_LOG="debug")
    with Kernel(env=env) as k:
        k.inject()
        facts = k.snapshot()
        k.open_comm()
        over_comm = k.comm_request({"type": "snapshot"})
    reported = facts["env"]
    for name in ("TINKER_API_KEY", "HF_TOKEN", "CLOUDFLARE_ACCESS_CLIENT_SECRET", "TINKER_SOMETHING"):
        assert reported[name] == "<set>"
    assert reported["HTTPS_PROXY"] == "http://<redacted>@proxy.internal:3128"
    assert reported["TINKER_BASE_URL"] == "http://127.0.0.1:9"
    assert reported["TINKER_LOG"] == "debug"
    assert facts["sdk"]["baseUrlIsDefault"] is False
    text = json.dumps(facts) + json.dumps(over_comm)
    for secret in list(SECRETS.values()) + ["pa55word"]:
        assert secret not in text


def test_comm_answers_snapshot_and_reports_missing_checks_as_errors(kernel):
    kernel.inject()
    hello = kernel.open_comm()
    assert hello["version"]
    answer = kernel.comm_request({"type": "snapshot"})
    assert answer["type"] == "facts"
    assert answer["facts"]["schema"] == "tinker-doctor/facts@1"
    unknown = kernel.comm_request({"type": "check", "check": "no-such-check"})
    assert unknown["type"] == "check-result" and "unknown check" in unknown["result"]["error"]
    bad = kernel.comm_request({"type": "what"})
    assert bad["type"] == "error"
    configured = kernel.comm_request({"type": "configure", "stallThresholdMs": 250})
    assert configured["type"] == "configured"
    assert configured["settings"]["stallThresholdMs"] == 250


def test_check_runs_the_bundled_module_in_a_worker_and_lands_in_facts(kernel):
    kernel.inject()
    kernel.open_comm()
    # Stand in for another engineer's module with the same contract: run(args).
    kernel.run(
        "import sys, types, threading\n"
        "m = types.ModuleType('_tinker_doctor.smoke')\n"
        "m.run = lambda args: {'reachable': False, 'error': 'x', "
        "'thread': threading.current_thread().name, 'args': args}\n"
        "sys.modules['_tinker_doctor.smoke'] = m\n"
        "del m",
        cell_id="fake",
    )
    result = kernel.comm_request({"type": "check", "check": "smoke", "args": {"k": 1}})
    assert result["result"]["thread"] == "tinker-doctor-check"
    assert result["result"]["args"] == {"k": 1}
    assert kernel.snapshot()["checks"]["smoke"]["reachable"] is False


def test_subshell_comm_answers_while_a_cell_runs(kernel):
    kernel.inject()
    kernel.create_subshell()
    hello = kernel.open_comm(subshell=True)
    assert hello["subshell"] is True
    msg_id = kernel.send_execute("import time\nx = 0\ntime.sleep(3)\n", cell_id="busy")
    kernel.wait_for(lambda m: m["msg_type"] == "execute_input")
    answer = kernel.comm_request({"type": "snapshot"}, subshell=True, timeout=10)
    main = [t for t in answer["facts"]["threads"] if t["role"] == "main"][0]
    cell_frames = [f for f in main["stack"] if f.get("cellId") == "busy"]
    assert cell_frames and cell_frames[-1]["line"] == 3
    kernel.wait_reply(msg_id)


def test_subshell_comm_still_answers_after_an_event_pushed_while_a_cell_runs(kernel):
    # ipykernel routes a comm's next requests to the subshell of its last
    # send's parent; an event pushed from a thread of the kernel (here one
    # the cell starts, as the watchdog does) must not move the comm to the
    # main shell, where requests would wait for the cell.
    kernel.inject()
    kernel.create_subshell()
    kernel.open_comm(subshell=True)
    msg_id = kernel.send_execute(
        "import sys, threading, time\n"
        "channel = sys.modules['_tinker_doctor.comm_channel']\n"
        "pusher = threading.Thread(target=channel.send_event, args=({'kind': 'test'},))\n"
        "pusher.start(); pusher.join()\n"
        "time.sleep(4)\n",
        cell_id="busy",
    )
    kernel.wait_for(
        lambda m: m["msg_type"] == "comm_msg"
        and m["content"]["data"].get("event", {}).get("kind") == "test",
        timeout=10,
    )
    started = time.monotonic()
    kernel.comm_request({"type": "ping"}, subshell=True, timeout=10)
    assert time.monotonic() - started < 2.0
    kernel.wait_reply(msg_id)


def test_agent_works_in_plain_python_without_ipython():
    code = injection_code() + (
        "import sys, json\n"
        "a = sys.modules['_tinker_doctor']\n"
        "f = a.snapshot().value\n"
        "print(json.dumps([f['schema'], f['sdk']['imported'], 'tinker' in sys.modules,"
        " a.uninstall().value, '_tinker_doctor' in sys.modules]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-"], input=code, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        "tinker-doctor/facts@1",
        False,
        False,
        {"removed": True},
        False,
    ]
    assert AGENT  # the same entry point the frontend uses
