"""scripts/local-server.sh starts, reports and stops the server by its pid file."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "local-server.sh"

pytestmark = pytest.mark.timeout(60)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(*args: str, run_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, LOCAL_SERVER_RUN_DIR=str(run_dir))
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )


def test_start_status_stop(tmp_path):
    port = str(_free_port())
    started = _run("start", port, "--compute-ms", "10", run_dir=tmp_path)
    assert started.returncode == 0, started.stderr
    assert f"TINKER_BASE_URL=http://127.0.0.1:{port}" in started.stdout
    pid = int((tmp_path / f"{port}.pid").read_text())
    os.kill(pid, 0)  # alive
    assert _run("status", port, run_dir=tmp_path).returncode == 0
    assert "already running" in _run("start", port, run_dir=tmp_path).stdout
    stopped = _run("stop", port, run_dir=tmp_path)
    assert stopped.returncode == 0 and f"pid {pid}" in stopped.stdout
    assert not (tmp_path / f"{port}.pid").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert _run("status", port, run_dir=tmp_path).returncode == 1


def test_start_reports_a_server_that_cannot_start(tmp_path):
    failed = _run("start", str(_free_port()), "--fault", "bogus", run_dir=tmp_path)
    assert failed.returncode == 1
    assert "unknown fault" in failed.stderr


def test_usage_without_a_command(tmp_path):
    assert _run(run_dir=tmp_path).returncode == 2
