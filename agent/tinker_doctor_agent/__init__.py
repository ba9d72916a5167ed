"""Tinker Doctor's kernel agent (installed as the package `_tinker_doctor`).

See agent/README.md for the rules it keeps and the protocol it speaks.
`install()` registers IPython's pre/post_run_cell hooks, the `tinker-doctor`
comm target and starts the watchdog; `uninstall()` removes all of it.
"""

import sys

VERSION = "dev"

# Latest result of each on-demand check (facts.checks), set by comm_channel.
CHECKS = {}

_state = {"installed": False, "shell": None}


class JsonResult:
    """Wraps a JSON-able value so IPython returns it as application/json."""

    def __init__(self, value):
        self.value = value

    def _repr_json_(self):
        return self.value

    def __repr__(self):
        return "<tinker-doctor result>"


def _sub(name):
    return sys.modules.get(__name__ + "." + name)


def _shell():
    cells = _sub("cells")
    return cells.shell() if cells is not None else None


def _pre_run_cell(info):
    try:
        cells = _sub("cells")
        if cells is not None:
            cells.on_pre_run_cell(_state["shell"] or _shell(), info)
    except Exception:
        pass


def _post_run_cell(result=None):
    try:
        cells = _sub("cells")
        run = cells.current() if cells is not None else None
        if cells is not None:
            cells.on_post_run_cell(result)
        probe = _sub("probe")
        if probe is not None:
            probe.note_clients_after_cell(run.get("cellId") if run else None)
    except Exception:
        pass


def _hooks_registered(shell):
    try:
        return _pre_run_cell in shell.events.callbacks.get("pre_run_cell", [])
    except Exception:
        return False


def _register_hooks(shell):
    if shell is None or _hooks_registered(shell):
        return
    try:
        shell.events.register("pre_run_cell", _pre_run_cell)
        shell.events.register("post_run_cell", _post_run_cell)
    except Exception:
        pass


def _unregister_hooks(shell):
    if shell is None:
        return
    for event, fn in (("pre_run_cell", _pre_run_cell), ("post_run_cell", _post_run_cell)):
        try:
            while fn in shell.events.callbacks.get(event, []):
                shell.events.unregister(event, fn)
        except Exception:
            pass


def status():
    """What is installed: hooks, comm target, watchdog, as application/json."""
    return JsonResult(_status())


def _status():
    shell = _state["shell"]
    comm = _sub("comm_channel")
    wd = _sub("watchdog")
    return {
        "installed": _state["installed"],
        "version": VERSION,
        "hooks": bool(shell is not None and _hooks_registered(shell)),
        "comm": comm.stats() if comm is not None else None,
        "watchdog": wd.info() if wd is not None else None,
    }


def install():
    """Start the agent's services; safe to call more than once."""
    shell = _shell()
    _state["shell"] = shell
    _register_hooks(shell)
    comm = _sub("comm_channel")
    if comm is not None:
        try:
            comm.register()
        except Exception:
            pass
    wd = _sub("watchdog")
    if wd is not None:
        try:
            wd.start()
        except Exception:
            pass
    _state["installed"] = True
    return JsonResult(_status())


def snapshot():
    """Return the current facts (tinker-doctor/facts@1) as application/json."""
    probe = _sub("probe")
    if probe is None:
        return JsonResult({"schema": "tinker-doctor/facts@1"})
    return JsonResult(probe.collect())


def uninstall():
    """Stop everything the agent started and remove it from sys.modules."""
    wd = _sub("watchdog")
    if wd is not None:
        try:
            wd.stop()
        except Exception:
            pass
    _unregister_hooks(_state["shell"] or _shell())
    comm = _sub("comm_channel")
    if comm is not None:
        try:
            comm.unregister()
        except Exception:
            pass
    cells = _sub("cells")
    if cells is not None:
        cells.reset()
    CHECKS.clear()
    _state["installed"] = False
    _state["shell"] = None
    for key in [k for k in sys.modules if k == __name__ or k.startswith(__name__ + ".")]:
        del sys.modules[key]
    return JsonResult({"removed": True})
