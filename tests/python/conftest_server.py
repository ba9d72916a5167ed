"""Pytest plugin: start the local Tinker server on a free 127.0.0.1 port.

Load it from ``conftest.py`` with ``pytest_plugins = ["conftest_server"]``
(``tests/python`` is on ``sys.path`` under pytest's default rootdir import
mode). Fixtures:

- ``local_server`` (session scope): one shared server; ``.base_url``,
  ``.admin`` (faults, state, request log), ``.pid``.
- ``tinker_server`` (function scope): the shared server with its faults
  cleared before and after the test.
- ``local_server_factory`` (function scope): ``start(compute_ms=...,
  faults=[...])`` starts a dedicated server, stopped after the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

__all__ = [
    "DUMMY_API_KEY",
    "LocalServer",
    "ServerAdmin",
    "byte_datum",
    "local_server",
    "local_server_factory",
    "start_server",
    "tinker_server",
]

REPO = Path(__file__).resolve().parents[2]
DUMMY_API_KEY = "tml-local-dummy-key"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerAdmin:
    """Client for the server's ``/_admin`` endpoints (stdlib only)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with _OPENER.open(req, timeout=10) as resp:
            return json.loads(resp.read() or b"{}")

    def set_fault(self, name: str, count: int | None = None, **options: Any) -> dict:
        """Switch a fault on (``count`` limits how often it fires)."""
        return self._call(
            "POST", "/_admin/faults", {"name": name, "count": count, **options}
        )

    def clear_faults(self) -> None:
        """Switch every fault off."""
        self._call("DELETE", "/_admin/faults")

    def faults(self) -> dict:
        """Active faults and the catalogue."""
        return self._call("GET", "/_admin/faults")

    def state(self) -> dict:
        """Sessions (with heartbeat counts), runs, checkpoints."""
        return self._call("GET", "/_admin/state")

    def log(self, path: str | None = None) -> list[dict]:
        """The request log, optionally only for one path."""
        entries = self._call("GET", "/_admin/log")["log"]
        return [e for e in entries if path is None or e["path"] == path]


class LocalServer:
    """A running local server process."""

    def __init__(self, proc: subprocess.Popen, port: int, log_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.pid = proc.pid
        self.base_url = f"http://127.0.0.1:{port}"
        self.admin = ServerAdmin(self.base_url)
        self.api_key = DUMMY_API_KEY
        self.log_path = log_path

    def env(self) -> dict[str, str]:
        """Environment variables that point the SDK at this server."""
        return {
            "TINKER_BASE_URL": self.base_url,
            "TINKER_API_KEY": self.api_key,
            "NO_PROXY": "127.0.0.1,localhost",
        }

    def stop(self) -> None:
        """Stop the process (only this one, by its pid)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def byte_datum(text: str) -> Any:
    """A next-token cross-entropy datum over the UTF-8 bytes of ``text``."""
    import numpy as np
    from tinker import types

    tokens = list(text.encode("utf-8"))
    return types.Datum(
        model_input=types.ModelInput.from_ints(tokens[:-1]),
        loss_fn_inputs={
            "target_tokens": types.TensorData.from_numpy(
                np.array(tokens[1:], dtype=np.int64)
            ),
            "weights": types.TensorData.from_numpy(
                np.ones(len(tokens) - 1, dtype=np.float32)
            ),
        },
    )


def start_server(
    compute_ms: float = 20.0,
    faults: list[str] | None = None,
    extra_args: list[str] | None = None,
    timeout: float = 20.0,
) -> LocalServer:
    """Start ``python -m local_server`` on a free port and wait for it."""
    tmp = Path(tempfile.mkdtemp(prefix="tinker-local-server-"))
    port_file = tmp / "port"
    log_path = tmp / "server.log"
    args = [
        sys.executable,
        "-m",
        "local_server",
        "--port",
        "0",
        "--port-file",
        str(port_file),
    ]
    args += ["--compute-ms", str(compute_ms)]
    for fault in faults or []:
        args += ["--fault", fault]
    args += extra_args or []
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO), env.get("PYTHONPATH")])
    )
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"local server exited: {log_path.read_text()}")
        if port_file.exists() and port_file.read_text().strip():
            server = LocalServer(proc, int(port_file.read_text()), log_path)
            try:
                server.admin.faults()
                return server
            except (urllib.error.URLError, OSError):
                pass
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"local server did not answer within {timeout} s")


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    """One local server shared by the session."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def tinker_server(local_server: LocalServer) -> Iterator[LocalServer]:
    """The shared server, with no faults active during the test."""
    local_server.admin.clear_faults()
    yield local_server
    local_server.admin.clear_faults()


@pytest.fixture
def local_server_factory() -> Iterator[Any]:
    """``start(**kwargs)`` starts a dedicated server; all are stopped after."""
    started: list[LocalServer] = []

    def start(**kwargs: Any) -> LocalServer:
        server = start_server(**kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
