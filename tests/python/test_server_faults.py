"""Fault switching on the local server: command line, admin endpoint, counts."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from local_server.faults import CATALOGUE, FaultSet, parse_fault_arg

REPO = Path(__file__).resolve().parents[2]
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def test_parse_fault_arg_reads_count_numbers_and_paths():
    name, count, options = parse_fault_arg(
        "server-error-5xx:count=3,status=503,paths=/a|/b"
    )
    assert (name, count) == ("server-error-5xx", 3)
    assert options == {"status": 503, "paths": ["/a", "/b"]}
    assert parse_fault_arg("slow-poll:delay_s=2.5")[2] == {"delay_s": 2.5}


@pytest.mark.parametrize(
    "text", ["no-such-fault", "slow-poll:delay_s", "rate-limit-429:count=x"]
)
def test_parse_fault_arg_rejects_bad_input(text):
    with pytest.raises(ValueError):
        parse_fault_arg(text)


def test_fault_count_limits_hits_and_paths_scope():
    faults = FaultSet()
    faults.add("rate-limit-429", count=2)
    assert faults.take("/api/v1/forward_backward") is not None
    assert faults.take("/api/v1/healthz") is None
    assert faults.take("/api/v1/optim_step") is not None
    assert faults.take("/api/v1/forward_backward") is None
    faults.add("conflict-409-save")
    assert faults.take("/api/v1/retrieve_future", "ForwardBackward") is None
    assert faults.take("/api/v1/retrieve_future", "SaveWeights") is not None
    faults.remove()
    assert faults.describe() == []


def test_every_fault_names_a_triage_code():
    for spec in CATALOGUE.values():
        assert spec.triage.startswith("TD"), spec.name
        assert spec.paths and spec.summary


def test_unknown_fault_on_the_command_line_exits_with_a_message():
    proc = subprocess.run(
        [sys.executable, "-m", "local_server", "--port", "0", "--fault", "bogus"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert proc.returncode == 2
    assert "unknown fault 'bogus'" in proc.stderr


def _post(url, body):
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    return OPENER.open(req, timeout=5)


def test_admin_rejects_unknown_faults(tinker_server):
    with pytest.raises(urllib.error.HTTPError) as info:
        _post(tinker_server.base_url + "/_admin/faults", {"name": "nope"})
    assert info.value.code == 400


def test_admin_replaces_and_lists_faults(tinker_server):
    admin = tinker_server.admin
    admin.set_fault("slow-poll", delay_s=0.1)
    _post(
        tinker_server.base_url + "/_admin/faults",
        {"faults": [{"name": "rate-limit-429", "count": 1}], "replace": True},
    )
    active = admin.faults()["active"]
    assert [f["name"] for f in active] == ["rate-limit-429"]
    assert active[0]["count"] == 1 and active[0]["triage"] == "TD304"
    assert set(admin.faults()["catalogue"]) == set(CATALOGUE)


def test_fault_given_at_start_is_active(local_server_factory):
    server = local_server_factory(faults=["server-error-5xx:count=1,status=502"])
    active = server.admin.faults()["active"]
    assert active == [
        {
            "name": "server-error-5xx",
            "count": 1,
            "hits": 0,
            "options": {"status": 502},
            "triage": "TD305",
        }
    ]


@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        # Unusable values become a failed future (the SDK raises RequestFailedError)
        ("/api/v1/optim_step", {"model_id": 5, "adam_params": "fast"}, 200),
        ("/api/v1/create_model", ["not", "an", "object"], 200),
        # or a 400 that names the problem.
        ("/api/v1/asample", {"sampling_session_id": ["x"]}, 400),
        ("/api/v1/save_weights", {"model_id": {"a": 1}}, 400),
    ],
)
def test_malformed_requests_get_a_clear_error_not_a_crash(
    tinker_server, path, body, expected
):
    req = urllib.request.Request(
        tinker_server.base_url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-API-Key": tinker_server.api_key,
        },
    )
    try:
        resp = OPENER.open(req, timeout=5)
        status, payload = resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        status, payload = error.code, json.loads(error.read())
    assert status == expected
    assert (
        ("request_id" in payload)
        if expected == 200
        else ("Bad request" in payload["detail"])
    )
    # The server still answers afterwards.
    assert tinker_server.admin.state()["futures"] >= 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": "rate-limit-429", "count": "two"},
        {"name": "slow-poll", "delay_s": "long"},
        {"name": "server-error-5xx", "status": 999},
        {"name": "connection-drop", "paths": "/api/v1/"},
        {"faults": "rate-limit-429"},
    ],
)
def test_admin_rejects_bad_fault_options(tinker_server, body):
    with pytest.raises(urllib.error.HTTPError) as info:
        _post(tinker_server.base_url + "/_admin/faults", body)
    assert info.value.code == 400
    assert tinker_server.admin.faults()["active"] == []


def test_admin_changes_nothing_when_one_item_is_bad(tinker_server):
    tinker_server.admin.set_fault("slow-poll", delay_s=0.1)
    with pytest.raises(urllib.error.HTTPError):
        _post(
            tinker_server.base_url + "/_admin/faults",
            {"faults": [{"name": "rate-limit-429"}, {"name": "nope"}], "replace": True},
        )
    assert [f["name"] for f in tinker_server.admin.faults()["active"]] == ["slow-poll"]
