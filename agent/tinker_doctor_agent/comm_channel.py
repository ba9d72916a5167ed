"""The `tinker-doctor` comm target: requests from the frontend, pushed events.

The frontend opens a comm to the target after installing the agent. Requests
(`snapshot`, `check`, `configure`) are answered on that comm; the watchdog
pushes `event` messages from its own thread (ipykernel queues comm sends onto
its IOPub thread, so they go out while a cell runs). Without a kernel (plain
Python) nothing is registered and `send_event` does nothing.

Every send carries, as its parent, the frontend's latest message on that
comm. ipykernel (7.4) routes a comm's next incoming messages to the subshell
of the parent of its last outgoing one, and a thread of ours would otherwise
send under the running cell's request: the frontend's requests would then
wait behind that cell on the main shell instead of going to the subshell the
comm was opened on.
"""

import contextvars
import sys
import threading
import time

from . import cells

TARGET = "tinker-doctor"
MAX_COMMS = 16

_lock = threading.Lock()
_comms = []
_parents = {}  # comm id -> the frontend's latest message on it
_manager = None
_stats = {"sent": 0, "errors": 0, "lastError": None}


def _kernel():
    return getattr(cells.shell(), "kernel", None)


def comm_manager():
    """The kernel's comm manager, or None outside a Jupyter kernel."""
    kernel = _kernel()
    if kernel is None:
        return None
    manager = getattr(kernel, "comm_manager", None)
    if manager is not None:
        return manager
    try:
        import comm

        return comm.get_comm_manager()
    except Exception:
        return None


def register():
    """Register the comm target (idempotent). Returns True when registered."""
    global _manager
    manager = comm_manager()
    if manager is None:
        return False
    try:
        manager.register_target(TARGET, _on_open)
    except Exception:
        return False
    _manager = manager
    return True


def unregister():
    """Close our comms and unregister the target."""
    global _manager
    with _lock:
        comms = list(_comms)
        del _comms[:]
        _parents.clear()
    for c in comms:
        try:
            c.close(data={"type": "bye"})
        except Exception:
            pass
    manager = _manager
    _manager = None
    if manager is not None:
        try:
            if getattr(manager, "targets", {}).get(TARGET) is _on_open:
                manager.unregister_target(TARGET, _on_open)
        except Exception:
            pass


def open_count():
    """How many frontend comms are open."""
    return len(_comms)


def stats():
    """Counters of sent messages and errors."""
    return dict(_stats, open=len(_comms))


def _send(c, data):
    try:
        _as_reply(c, lambda: c.send(data))
        _stats["sent"] += 1
        return True
    except Exception as exc:
        _stats["errors"] += 1
        _stats["lastError"] = type(exc).__name__
        return False


def _as_reply(c, fn):
    """Call `fn` with the comm's latest frontend message as the kernel's
    shell parent (in a context of its own), so the send neither borrows the
    running cell's request nor moves the comm off its subshell."""
    parent = _parents.get(getattr(c, "comm_id", None))
    var = getattr(getattr(c, "kernel", None), "_shell_parent", None)
    if parent is None or not isinstance(var, contextvars.ContextVar):
        return fn()

    def run():
        var.set(parent)
        return fn()

    return contextvars.Context().run(run)


def _remember(c, msg):
    comm_id = getattr(c, "comm_id", None)
    if comm_id is not None and isinstance(msg, dict) and msg.get("header"):
        _parents[comm_id] = msg


def send_event(event):
    """Push an event to every open frontend comm (any thread; never raises)."""
    if not _comms:
        return 0
    data = {"type": "event", "event": event}
    sent = 0
    with _lock:
        comms = list(_comms)
    for c in comms:
        if _send(c, data):
            sent += 1
    return sent


def _on_open(c, open_msg):
    _remember(c, open_msg)
    with _lock:
        _comms.append(c)
        while len(_comms) > MAX_COMMS:
            old = _comms.pop(0)
            _parents.pop(getattr(old, "comm_id", None), None)
            try:
                old.close()
            except Exception:
                pass
    try:
        c.on_msg(_on_msg)
        c.on_close(_on_close)
    except Exception:
        pass
    pkg = sys.modules.get(__name__.rpartition(".")[0])
    _send(
        c,
        {
            "type": "hello",
            "version": getattr(pkg, "VERSION", None),
            "subshell": threading.current_thread() is not threading.main_thread(),
        },
    )


def _on_close(msg):
    comm_id = None
    try:
        comm_id = msg["content"]["comm_id"]
    except Exception:
        pass
    with _lock:
        _parents.pop(comm_id, None)
        for c in list(_comms):
            if getattr(c, "comm_id", None) == comm_id:
                _comms.remove(c)


def _find_comm(msg):
    try:
        comm_id = msg["content"]["comm_id"]
    except Exception:
        return None
    for c in list(_comms):
        if getattr(c, "comm_id", None) == comm_id:
            return c
    return None


def _on_msg(msg):
    c = _find_comm(msg)
    if c is None:
        return
    _remember(c, msg)
    try:
        data = msg["content"]["data"]
    except Exception:
        data = None
    try:
        handle(data, lambda reply: _send(c, reply))
    except Exception as exc:  # a request must never raise into the kernel
        _send(c, {"type": "error", "error": "%s: %s" % (type(exc).__name__, exc)})


def handle(data, reply):
    """Answer one request dict by calling `reply(dict)` (now or later)."""
    pkg = sys.modules.get(__name__.rpartition(".")[0])
    if not isinstance(data, dict):
        reply({"type": "error", "error": "request must be a JSON object"})
        return
    kind = data.get("type")
    request_id = data.get("requestId")
    if kind == "snapshot":
        from . import probe

        reply({"type": "facts", "requestId": request_id, "facts": probe.collect()})
    elif kind == "check":
        name = data.get("check")
        args = data.get("args") or {}
        worker = threading.Thread(
            target=_run_check,
            args=(name, args, request_id, reply),
            name="tinker-doctor-check",
            daemon=True,
        )
        worker.start()
    elif kind == "configure":
        watchdog = sys.modules.get(__name__.rpartition(".")[0] + ".watchdog")
        if watchdog is None:
            reply({"type": "error", "requestId": request_id, "error": "no watchdog"})
            return
        settings = watchdog.configure(**_configure_args(data))
        reply({"type": "configured", "requestId": request_id, "settings": settings})
    elif kind == "ping":
        reply({"type": "pong", "requestId": request_id, "at": time.time()})
    else:
        reply(
            {
                "type": "error",
                "requestId": request_id,
                "error": "unknown request type %r" % (kind,),
                "version": getattr(pkg, "VERSION", None),
            }
        )


def _configure_args(data):
    out = {}
    for key, name in (
        ("stallThresholdMs", "stall_threshold_ms"),
        ("waitThresholdMs", "wait_threshold_ms"),
        ("statusIntervalS", "status_interval_s"),
    ):
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = value
    return out


CHECK_MODULES = {
    "smoke": "smoke",
    "renderer": "renderer_check",
    "mergeVerify": "merge_verify",
    "compare": "compare",
    "timeline": "timeline",
}


def run_check(name, args):
    """Run one named check and return its result dict (never raises)."""
    started = time.time()
    module_name = CHECK_MODULES.get(name) if isinstance(name, str) else None
    if module_name is None:
        return {"error": "unknown check %r" % (name,), "at": started}
    pkg_name = __name__.rpartition(".")[0]
    module = sys.modules.get(pkg_name + "." + module_name)
    run = getattr(module, "run", None)
    if run is None:
        return {
            "error": "check %r is not available in this agent" % (name,),
            "at": started,
        }
    try:
        result = run(args if isinstance(args, dict) else {})
    except BaseException as exc:  # noqa: BLE001 - report, never propagate
        return {"error": "%s: %s" % (type(exc).__name__, exc), "at": started}
    if not isinstance(result, dict):
        result = {"error": "check %r returned %s" % (name, type(result).__name__)}
    return result


def _run_check(name, args, request_id, reply):
    result = run_check(name, args)
    pkg = sys.modules.get(__name__.rpartition(".")[0])
    checks = getattr(pkg, "CHECKS", None)
    if isinstance(checks, dict) and name in CHECK_MODULES:
        checks[name] = result
    reply({"type": "check-result", "requestId": request_id, "check": name, "result": result})
