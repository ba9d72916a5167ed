"""The smoke check (agent/tinker_doctor_agent/smoke.py) against the local server."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from tinker_doctor_agent import smoke

pytestmark = pytest.mark.timeout(60)

KEYS = {
    "reachable",
    "roundTripMs",
    "models",
    "error",
    "baseUrl",
    "baseUrlIsDefault",
    "creation",
}
CREATION_KEYS = {"attempted", "ok", "seconds", "timedOut", "error"}
CAPS = "/api/v1/get_server_capabilities"


@pytest.fixture
def server_env(tinker_server, monkeypatch):
    for key, value in tinker_server.env().items():
        monkeypatch.setenv(key, value)
    return tinker_server


def check_shape(result):
    assert set(result) == KEYS
    if result["creation"] is not None:
        assert set(result["creation"]) == CREATION_KEYS


def test_healthy_service_is_reachable_and_lists_models(server_env):
    result = smoke.run({})
    check_shape(result)
    assert result["reachable"] is True
    assert result["error"] is None
    assert result["models"] == 2
    assert 0 <= result["roundTripMs"] < 2000
    assert result["baseUrl"] == server_env.base_url
    assert result["baseUrlIsDefault"] is False
    assert result["creation"] is None


def test_creation_is_timed_when_asked(server_env):
    result = smoke.run({"createClient": True, "creationTimeoutS": 20})
    creation = result["creation"]
    assert creation["attempted"] and creation["ok"] and not creation["timedOut"]
    assert creation["error"] is None and 0 < creation["seconds"] < 20


@pytest.mark.parametrize(
    ("fault", "options", "error_start", "reachable"),
    [
        (
            "connection-drop",
            {"paths": [CAPS]},
            "APIConnectionError: Connection error",
            False,
        ),
        ("billing-402", {"paths": [CAPS]}, "BillingError: Error code: 402", True),
        (
            "forbidden-403",
            {"paths": [CAPS]},
            "PermissionDeniedError: Error code: 403",
            True,
        ),
        (
            "unknown-session-404",
            {"paths": [CAPS]},
            "NotFoundError: Error code: 404",
            True,
        ),
        ("rate-limit-429", {"paths": [CAPS]}, "RateLimitError: Error code: 429", True),
        (
            "server-error-5xx",
            {"paths": [CAPS], "status": 503},
            "InternalServerError: Error code: 503",
            True,
        ),
        (
            "heartbeat-timeout",
            {"paths": [CAPS], "delay_s": 3},
            "APITimeoutError: Request timed out",
            False,
        ),
    ],
)
def test_capabilities_faults_are_reported(
    server_env, fault, options, error_start, reachable
):
    server_env.admin.set_fault(fault, **options)
    start = time.monotonic()
    result = smoke.run({"timeoutS": 1.5})
    check_shape(result)
    assert time.monotonic() - start < 5
    assert result["reachable"] is reachable
    assert result["error"].startswith(error_start), result["error"]
    assert result["models"] is None


@pytest.mark.parametrize(
    ("fault", "options", "timed_out", "error_part"),
    [
        ("hang-create", {}, True, "did not finish within 3 s"),
        ("capacity-pause", {}, True, "did not finish within 3 s"),
        ("try-again-forever", {}, True, "did not finish within 3 s"),
        ("forbidden-403", {}, False, "PermissionDeniedError: Error code: 403"),
        ("unknown-session-404", {}, False, "NotFoundError: Error code: 404"),
    ],
)
def test_creation_faults_are_reported_without_hanging(
    server_env, fault, options, timed_out, error_part
):
    server_env.admin.set_fault(fault, **options)
    start = time.monotonic()
    result = smoke.run({"createClient": True, "creationTimeoutS": 3})
    assert time.monotonic() - start < 8
    assert result["reachable"] is True
    creation = result["creation"]
    assert creation["attempted"] is True and creation["ok"] is False
    assert creation["timedOut"] is timed_out
    assert error_part in creation["error"]


def test_nothing_listening_is_unreachable(local_server_factory, monkeypatch):
    server = local_server_factory()
    for key, value in server.env().items():
        monkeypatch.setenv(key, value)
    server.stop()
    result = smoke.run({"timeoutS": 2, "createClient": True})
    assert result["reachable"] is False
    assert result["error"].startswith("APIConnectionError")
    assert result["creation"]["attempted"] is False


def test_default_base_url_is_flagged(server_env, monkeypatch):
    import tinker.lib.base_url as base_url

    # Point the SDK's default at the local server: no request leaves 127.0.0.1.
    monkeypatch.setattr(base_url, "DEFAULT_BASE_URL", server_env.base_url)
    monkeypatch.delenv("TINKER_BASE_URL")
    result = smoke.run({})
    assert result["baseUrlIsDefault"] is True
    assert result["reachable"] is True


def test_secrets_never_appear_in_the_result(server_env, monkeypatch):
    port = server_env.port
    monkeypatch.setenv(
        "TINKER_BASE_URL", f"http://user:pw-secret@127.0.0.1:{port}?token=tok-secret"
    )
    monkeypatch.setenv("TINKER_API_KEY", "tml-very-secret-key")
    server_env.admin.set_fault("forbidden-403", paths=[CAPS])
    text = repr(smoke.run({"timeoutS": 2}))
    for secret in ("pw-secret", "tok-secret", "tml-very-secret-key", "user:"):
        assert secret not in text


def test_missing_api_key_is_an_error_not_a_crash(server_env, monkeypatch):
    monkeypatch.delenv("TINKER_API_KEY")
    monkeypatch.setenv(
        "HOME", str(Path(server_env.log_path).parent)
    )  # no stored credential
    result = smoke.run({"timeoutS": 2})
    check_shape(result)
    assert result["reachable"] is False
    assert result["error"] and ":" in result["error"]


@pytest.mark.parametrize(
    "args", [None, "junk", {"timeoutS": "x", "createClient": 0}, {"timeoutS": -1}]
)
def test_odd_arguments_still_give_a_result(server_env, args):
    result = smoke.run(args)
    check_shape(result)
    assert result["reachable"] is True


def test_importing_the_module_does_not_import_tinker():
    agent = Path(__file__).resolve().parents[2] / "agent"
    code = (
        "import sys; sys.path.insert(0, %r); from tinker_doctor_agent import smoke; "
        "print('tinker' in sys.modules)" % str(agent)
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip() == "False", out.stderr


def test_creation_session_is_finished_after_the_check(server_env):
    before = time.time()
    smoke.run({"createClient": True, "creationTimeoutS": 20})
    deadline = time.monotonic() + 10
    finished = []
    while time.monotonic() < deadline and not finished:
        finished = [
            e
            for e in server_env.admin.log()
            if e["t"] >= before and e["path"].endswith("/finish")
        ]
        time.sleep(0.2)
    assert finished and finished[0]["status"] == 200
