"""What the pinned tinker SDK (0.38.0) does under each local-server fault.

Each test injects one fault and asserts what a user of the unmodified SDK
can observe: the exception type and message, the log records on the
``tinker`` loggers, and the retries the server saw. These are the facts the
decoder matches against; they are documented in local_server/README.md.
"""

from __future__ import annotations

import concurrent.futures
import logging
import threading
import time

import pytest

tinker = pytest.importorskip("tinker")
from conftest_server import byte_datum  # noqa: E402
from tinker import types  # noqa: E402

pytestmark = pytest.mark.timeout(90)

MODEL = "local/bigram-byte"
TEXT = "a small text for a small model. "


class Records(logging.Handler):
    """Collects records from the tinker loggers, from any thread."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            self.records.append(record)

    def matching(self, text: str, level: int | None = None, name: str | None = None):
        with self._lock:
            return [
                r
                for r in self.records
                if text in r.getMessage()
                and (level is None or r.levelno == level)
                and (name is None or r.name == name)
            ]


@pytest.fixture
def records():
    logger = logging.getLogger("tinker")
    handler = Records()
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(old_level)


@pytest.fixture
def service(tinker_server):
    client = tinker.ServiceClient(
        base_url=tinker_server.base_url, api_key=tinker_server.api_key
    )
    yield client
    client.close("success")  # stops its heartbeat; not waited for


@pytest.fixture
def training(service):
    return service.create_lora_training_client(base_model=MODEL, rank=2).result(
        timeout=20
    )


def statuses(server, path, since=0.0):
    return [e["status"] for e in server.admin.log(path) if e["t"] >= since]


def test_billing_402_pauses_silently_then_resumes(tinker_server, training, records):
    tinker_server.admin.set_fault("billing-402", count=1)
    start = time.time()
    out = training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(
        timeout=30
    )
    assert out.metrics["loss:sum"] > 0
    # The SDK sleeps 5 s per 402 inside its billing-pause window.
    assert time.time() - start >= 4.5
    warned = records.matching(
        "The job is paused due to billing status. Error: Error code: 402",
        logging.WARNING,
        "tinker.lib.internal_client_holder",
    )
    assert len(warned) == 1
    assert statuses(tinker_server, "/api/v1/forward_backward", start)[:2] == [402, 200]


def test_forbidden_403_fails_client_creation(tinker_server, service, records):
    tinker_server.admin.set_fault("forbidden-403")
    with pytest.raises(tinker.PermissionDeniedError) as info:
        service.create_lora_training_client(base_model=MODEL, rank=2).result(timeout=20)
    assert "Error code: 403" in str(info.value)
    assert "You do not have access to this model" in str(info.value)
    assert info.value.status_code == 403


def test_forbidden_403_fails_a_training_call_at_once(tinker_server, training):
    tinker_server.admin.set_fault("forbidden-403")
    start = time.monotonic()
    with pytest.raises(tinker.PermissionDeniedError, match="403"):
        training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(
            timeout=20
        )
    assert time.monotonic() - start < 5  # not retried


def test_unknown_session_404_fails_the_poll_with_value_error(tinker_server, training):
    tinker_server.admin.set_fault("unknown-session-404")
    with pytest.raises(ValueError) as info:
        training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(
            timeout=20
        )
    text = str(info.value)
    assert text.startswith("Error retrieving result: Error code: 404")
    assert "Invalid session_id" in text and "with status 404" in text


def test_unknown_session_404_fails_client_creation(tinker_server, service):
    tinker_server.admin.set_fault("unknown-session-404")
    with pytest.raises(tinker.NotFoundError, match="Invalid session_id"):
        service.create_lora_training_client(base_model=MODEL, rank=2).result(timeout=20)


def test_conflict_409_on_save_is_a_value_error(tinker_server, training):
    tinker_server.admin.set_fault("conflict-409-save")
    with pytest.raises(ValueError) as info:
        training.save_state("ckpt-409").result(timeout=20)
    assert "Error code: 409" in str(info.value) and "with status 409" in str(info.value)
    assert "Checkpoint already exists" in str(info.value)
    # Other calls are unaffected.
    training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(timeout=20)


@pytest.mark.parametrize(
    ("fault", "status"), [("rate-limit-429", 429), ("server-error-5xx", 503)]
)
def test_retryable_status_is_retried_with_debug_logs(
    tinker_server, training, records, fault, status
):
    options = {"status": status} if fault == "server-error-5xx" else {}
    tinker_server.admin.set_fault(fault, count=2, **options)
    start = time.time()
    out = training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(
        timeout=30
    )
    assert out.metrics["loss:sum"] > 0
    retried = records.matching(
        f"Retrying due to status code {status}", logging.DEBUG, "tinker._base_client"
    )
    assert len(retried) == 2
    assert records.matching(
        "Retrying request to /api/v1/forward_backward in", logging.DEBUG
    )
    # Nothing reaches WARNING: without TINKER_LOG=debug the user sees nothing.
    assert not [r for r in records.records if r.levelno >= logging.WARNING]
    assert statuses(tinker_server, "/api/v1/forward_backward", start) == [
        status,
        status,
        200,
    ]


def test_try_again_forever_warns_on_every_poll(tinker_server, training, records):
    tinker_server.admin.set_fault("try-again-forever", delay_s=0.5)
    future = training.forward_backward([byte_datum(TEXT)], "cross_entropy")
    with pytest.raises(concurrent.futures.TimeoutError):
        future.result(timeout=3)
    warned = records.matching(
        "because of try_again", logging.WARNING, "tinker.lib.api_future_impl"
    )
    assert len(warned) >= 3
    assert warned[0].getMessage().startswith("Retrying request self.request_id='req-")
    tinker_server.admin.clear_faults()
    assert future.result(timeout=10).metrics["loss:sum"] > 0


@pytest.mark.parametrize("fault", ["hang-create", "capacity-pause"])
def test_creation_waits_silently_on_408(tinker_server, service, records, fault):
    tinker_server.admin.set_fault(fault, delay_s=0.5)
    start = time.time()
    future = service.create_lora_training_client(base_model=MODEL, rank=2)
    with pytest.raises(concurrent.futures.TimeoutError):
        future.result(timeout=3)
    polls = [
        e
        for e in tinker_server.admin.log("/api/v1/retrieve_future")
        if e["t"] >= start and e["type"] == "CreateModel" and e["status"] is not None
    ]
    assert len(polls) >= 3 and all(p["status"] == 408 for p in polls)
    # SDK 0.38.0 only logs a pause after 15 minutes (PAUSE_GRACE_PERIOD).
    assert not records.matching("is paused", logging.WARNING)
    tinker_server.admin.clear_faults()
    assert future.result(timeout=10).get_info().model_data.model_name == MODEL


def test_slow_poll_delays_but_completes(tinker_server, training):
    tinker_server.admin.set_fault("slow-poll", delay_s=2)
    start = time.monotonic()
    training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(timeout=20)
    assert time.monotonic() - start >= 2


def test_dropped_connections_are_retried(tinker_server, training, records):
    tinker_server.admin.set_fault(
        "connection-drop", count=2, paths=["/api/v1/forward_backward"]
    )
    start = time.time()
    training.forward_backward([byte_datum(TEXT)], "cross_entropy").result(timeout=30)
    errors = records.matching(
        "Encountered Exception", logging.DEBUG, "tinker._base_client"
    )
    assert len(errors) == 2
    # A dropped connection reaches httpx as RemoteProtocolError or ReadError,
    # depending on when the server closes the socket.
    exc = errors[0].exc_info[1]
    assert type(exc).__name__ in ("RemoteProtocolError", "ReadError"), repr(exc)
    assert statuses(tinker_server, "/api/v1/forward_backward", start) == [
        "dropped",
        "dropped",
        200,
    ]


def _heartbeat_exception(service) -> str | None:
    task = service.holder._session_heartbeat_task
    frame = task.get_coro().cr_frame
    return None if frame is None else frame.f_locals.get("last_exception")


def test_heartbeat_faults_are_recorded_but_not_logged_for_two_minutes(
    local_server_factory, records
):
    expected = {
        "heartbeat-drop": "APIConnectionError: Connection error.",
        "heartbeat-timeout": "APITimeoutError: Request timed out.",
        "heartbeat-unknown-session": "NotFoundError: Error code: 404 - {'detail': 'Invalid session_id'}",
    }
    clients = {}
    for fault in expected:
        server = local_server_factory(faults=[fault])
        client = tinker.ServiceClient(base_url=server.base_url, api_key=server.api_key)
        _ = client.holder  # opens the session and starts its heartbeat
        clients[fault] = (server, client)
    seen: dict[str, str | None] = {}
    deadline = time.monotonic() + 35
    while time.monotonic() < deadline and len(seen) < len(expected):
        for fault, (_, client) in clients.items():
            value = _heartbeat_exception(client)
            if value:
                seen[fault] = value
        time.sleep(0.5)
    sessions = [c.holder.get_session_id() for _, c in clients.values()]
    for _, client in clients.values():
        client.close("interrupted")
    assert seen == expected
    # The SDK warns only after 120 s without a successful heartbeat.
    warned = records.matching("Session heartbeat failed", logging.WARNING)
    assert not [r for r in warned if any(s in r.getMessage() for s in sessions)]
    for fault, (server, _) in clients.items():
        beats = server.admin.log("/api/v1/session_heartbeat")
        assert beats and all(b["fault"] == fault for b in beats)


def test_capacity_pause_while_sampling_warns_at_once(tinker_server, training, records):
    sampler = training.save_weights_and_get_sampling_client().result(timeout=20)
    tinker_server.admin.set_fault("capacity-pause", delay_s=0.5)
    future = sampler.sample(
        types.ModelInput.from_ints(list(b"a ")), 1, types.SamplingParams(max_tokens=4)
    )
    with pytest.raises(concurrent.futures.TimeoutError):
        future.result(timeout=3)
    warned = records.matching("Sampling is paused for sampler", logging.WARNING)
    assert len(warned) == 1  # at most once a minute
    assert (
        warned[0]
        .getMessage()
        .endswith("Reason: Tinker backend is running short on capacity, please wait")
    )
    tinker_server.admin.clear_faults()
    assert len(future.result(timeout=10).sequences) == 1
