"""Drive a real ipykernel the way JupyterLab does, for tests and benchmarks.

`Kernel` starts an ipykernel through `jupyter_client` with a given
environment (and optionally another interpreter), injects the Tinker Doctor
agent exactly as the frontend does (the statement printed by
`node scripts/embed-agent.js --print`, sent silent, without history, with
`user_expressions`), runs cells with `metadata.cellId` like JupyterLab, and
collects every iopub message, comm messages included, with the time each
arrived.

    with Kernel() as k:
        k.inject()
        k.open_comm()
        reply = k.run("x = 1", cell_id="cell-a")
        facts = k.snapshot()
"""

from __future__ import annotations

import ast
import functools
import json
import os
import queue
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Callable

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[2]
AGENT = "__import__('sys').modules['_tinker_doctor']"
TARGET = "tinker-doctor"


@functools.lru_cache(maxsize=1)
def injection_code() -> str:
    """The exact Python statement the extension executes to install the agent."""
    out = subprocess.run(
        ["node", str(ROOT / "scripts" / "embed-agent.js"), "--print"],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


class KernelError(RuntimeError):
    """The kernel did not answer as expected."""


class Kernel:
    """A real ipykernel driven through jupyter_client (see module docstring)."""

    def __init__(
        self,
        env: dict[str, str] | None = None,
        python: str | None = None,
        cwd: str | None = None,
    ) -> None:
        base = dict(os.environ)
        base.pop("PYTHONFAULTHANDLER", None)
        base.update(env or {})
        self.env = base
        self.python = python or sys.executable
        self.cwd = cwd
        self.km: KernelManager | None = None
        self.kc = None
        self.iopub: list[dict[str, Any]] = []
        self.comm_id: str | None = None
        self.subshell_id: str | None = None

    # -- lifecycle -----------------------------------------------------------
    def start(self, timeout: float = 60) -> "Kernel":
        """Start the kernel and wait until it answers."""
        km = KernelManager(kernel_name="python3")
        km._kernel_spec = KernelSpec(
            argv=[self.python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="test",
            language="python",
        )
        km.start_kernel(env=self.env, cwd=self.cwd or str(ROOT))
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=timeout)
        self.km, self.kc = km, kc
        self.pump(0.2)
        return self

    def stop(self) -> None:
        """Shut the kernel down."""
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None:
            self.km.shutdown_kernel(now=True)
        self.kc = self.km = None

    def __enter__(self) -> "Kernel":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- messages ------------------------------------------------------------
    def pump(self, timeout: float = 0.0) -> int:
        """Move iopub messages into `self.iopub`; wait up to `timeout` for one."""
        n = 0
        wait = timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=wait)
            except queue.Empty:
                return n
            msg["_received"] = time.monotonic()
            self.iopub.append(msg)
            n += 1
            wait = 0.0

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 30, start: int = 0) -> dict:
        """The first iopub message (from index `start`) matching `predicate`."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            while index < len(self.iopub):
                msg = self.iopub[index]
                index += 1
                if predicate(msg):
                    return msg
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelError("no matching iopub message within %ss" % timeout)
            self.pump(min(left, 0.5))

    def _shell_reply(self, msg_id: str, timeout: float) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise KernelError("no shell reply within %ss" % timeout)
            try:
                reply = self.kc.get_shell_msg(timeout=min(left, 0.5))
            except queue.Empty:
                self.pump()
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def _send_shell(self, msg_type: str, content: dict, metadata: dict | None = None, subshell: bool = False) -> str:
        msg = self.kc.session.msg(msg_type, content, metadata=metadata or {})
        if subshell and self.subshell_id:
            msg["header"]["subshell_id"] = self.subshell_id
        self.kc.shell_channel.send(msg)
        return msg["header"]["msg_id"]

    # -- execution -----------------------------------------------------------
    def send_execute(
        self,
        code: str,
        cell_id: str | None = None,
        silent: bool = False,
        store_history: bool = True,
        user_expressions: dict[str, str] | None = None,
    ) -> str:
        """Send an execute_request like JupyterLab's CodeCell; return its id."""
        content = {
            "code": code,
            "silent": silent,
            "store_history": store_history,
            "user_expressions": user_expressions or {},
            "allow_stdin": False,
            "stop_on_error": False,
        }
        metadata = {"cellId": cell_id} if cell_id is not None else {}
        return self._send_shell("execute_request", content, metadata)

    def wait_reply(self, msg_id: str, timeout: float = 60) -> dict:
        """Wait for the execute_reply of `msg_id` and its idle status."""
        reply = self._shell_reply(msg_id, timeout)
        self.wait_for(
            lambda m: m["msg_type"] == "status"
            and m["parent_header"].get("msg_id") == msg_id
            and m["content"].get("execution_state") == "idle",
            timeout=timeout,
        )
        return reply

    def run(self, code: str, cell_id: str | None = None, timeout: float = 60, **kw: Any) -> dict:
        """Run a cell and return its execute_reply content."""
        msg_id = self.send_execute(code, cell_id=cell_id, **kw)
        reply = self.wait_reply(msg_id, timeout)
        return reply["content"]

    def outputs(self, msg_id: str) -> list[dict]:
        """iopub messages parented to one request (excluding status)."""
        return [
            m
            for m in self.iopub
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] != "status"
        ]

    def expression(self, expr: str, timeout: float = 60) -> Any:
        """Evaluate one user_expression silently.

        Returns the JSON data when the value has `_repr_json_`, else the
        Python literal read back from its repr (the repr text if that fails).
        """
        content = self.run("", silent=True, store_history=False, user_expressions={"x": expr}, timeout=timeout)
        value = content["user_expressions"]["x"]
        if value.get("status") != "ok":
            raise KernelError("%s: %s" % (value.get("ename"), value.get("evalue")))
        data = value.get("data", {})
        if "application/json" in data:
            return data["application/json"]
        text = data.get("text/plain")
        try:
            return ast.literal_eval(text)
        except Exception:
            return text

    # -- agent ---------------------------------------------------------------
    def inject(self, timeout: float = 60) -> dict:
        """Install the agent exactly as the frontend does; return the reply."""
        msg_id = self.send_execute(
            injection_code(),
            silent=True,
            store_history=False,
            user_expressions={"status": AGENT + ".status()"},
        )
        reply = self.wait_reply(msg_id, timeout)
        return reply["content"]

    def snapshot(self) -> dict:
        """Facts through the user_expressions entry point."""
        return self.expression(AGENT + ".snapshot()")

    def uninstall(self) -> Any:
        """Remove the agent through its entry point."""
        return self.expression(AGENT + ".uninstall()")

    def create_subshell(self, timeout: float = 30) -> str:
        """Create a kernel subshell (ipykernel >= 7); comm requests may use it."""
        msg = self.kc.session.msg("create_subshell_request", {})
        self.kc.control_channel.send(msg)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                reply = self.kc.get_control_msg(timeout=0.5)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                self.subshell_id = reply["content"]["subshell_id"]
                return self.subshell_id
        raise KernelError("no create_subshell_reply")

    def open_comm(self, subshell: bool = False, timeout: float = 30) -> dict:
        """Open a comm to the agent's target as the frontend does; wait for hello."""
        self.comm_id = uuid.uuid4().hex
        start = len(self.iopub)
        self._send_shell(
            "comm_open",
            {"comm_id": self.comm_id, "target_name": TARGET, "data": {}},
            subshell=subshell,
        )
        msg = self.wait_for(
            lambda m: m["msg_type"] == "comm_msg"
            and m["content"].get("comm_id") == self.comm_id
            and m["content"]["data"].get("type") == "hello",
            timeout=timeout,
            start=start,
        )
        return msg["content"]["data"]

    def comm_send(self, data: dict, subshell: bool = False) -> None:
        """Send one message on the open comm."""
        self._send_shell("comm_msg", {"comm_id": self.comm_id, "data": data}, subshell=subshell)

    def comm_request(self, data: dict, timeout: float = 60, subshell: bool = False) -> dict:
        """Send a request with a fresh requestId and wait for its answer."""
        request_id = uuid.uuid4().hex
        start = len(self.iopub)
        self.comm_send(dict(data, requestId=request_id), subshell=subshell)
        msg = self.wait_for(
            lambda m: m["msg_type"] == "comm_msg"
            and m["content"].get("comm_id") == self.comm_id
            and m["content"]["data"].get("requestId") == request_id,
            timeout=timeout,
            start=start,
        )
        return msg["content"]["data"]

    def comm_messages(self, kind: str | None = None) -> list[dict]:
        """Data of every comm message received on our comm (optionally by type)."""
        out = []
        for m in self.iopub:
            if m["msg_type"] != "comm_msg" or m["content"].get("comm_id") != self.comm_id:
                continue
            data = dict(m["content"]["data"])
            data["_received"] = m["_received"]
            if kind is None or data.get("type") == kind:
                out.append(data)
        return out

    def events(self, kind: str | None = None) -> list[dict]:
        """Watchdog events received so far (optionally of one kind)."""
        out = []
        for data in self.comm_messages("event"):
            event = dict(data["event"])
            event["_received"] = data["_received"]
            if kind is None or event.get("kind") == kind:
                out.append(event)
        return out


def dumps(value: Any) -> str:
    """JSON text for assertions and debugging output."""
    return json.dumps(value, indent=1, sort_keys=True, default=str)
