"""Which notebook cell is running, and which cell a code file name belongs to.

IPython's `pre_run_cell` event carries the cell id JupyterLab sends with each
execution (`info.cell_id`); `get_ipython().compile.get_code_name(raw, raw, 0)`
is the file name ipykernel compiles that cell under, so a frame's file name
maps back to the cell and its line number is the line within the cell.
Memory is bounded: the name map and the run history are capped.
"""

import collections
import threading
import time
import sys


MAX_FILES = 2000
MAX_RUNS = 200

_lock = threading.Lock()
_files = collections.OrderedDict()  # code file name -> cell id (or None)
_runs = collections.deque(maxlen=MAX_RUNS)
_current = None  # dict describing the cell that runs now, or None
_listeners = []  # callables(event, run) for 'start' / 'end'


def remember_file(filename, cell_id):
    """Record that `filename` holds the code of cell `cell_id`."""
    if not filename:
        return
    with _lock:
        _files[filename] = cell_id
        _files.move_to_end(filename)
        while len(_files) > MAX_FILES:
            _files.popitem(last=False)


def cell_of_file(filename):
    """The cell id whose code was compiled under `filename`, else None."""
    return _files.get(filename)


def is_cell_file(filename):
    """Whether `filename` is the code file of a cell seen by the agent."""
    return filename in _files


def current():
    """The running cell as a dict (cellId, file, startedAt, startMono) or None."""
    return _current


def add_listener(fn):
    """Call `fn(kind, run)` when a cell starts ('start') or ends ('end')."""
    if fn not in _listeners:
        _listeners.append(fn)


def remove_listener(fn):
    """Stop calling `fn` on cell start and end."""
    if fn in _listeners:
        _listeners.remove(fn)


def _notify(kind, run):
    for fn in list(_listeners):
        try:
            fn(kind, run)
        except Exception:
            pass


def code_name(shell, raw_cell):
    """The file name ipykernel compiles `raw_cell` under, or None."""
    try:
        return shell.compile.get_code_name(raw_cell, raw_cell, 0)
    except Exception:
        return None


def on_pre_run_cell(shell, info):
    """Handle IPython's pre_run_cell: note the running cell and its file."""
    global _current
    raw = getattr(info, "raw_cell", None) or ""
    cell_id = getattr(info, "cell_id", None)
    filename = code_name(shell, raw)
    remember_file(filename, cell_id)
    run = {
        "cellId": cell_id,
        "file": filename,
        "startedAt": time.time(),
        "startMono": time.monotonic(),
        "holdMs": 0.0,
        "holdMsSdkPending": 0.0,
        "holds": 0,
    }
    _current = run
    _notify("start", run)


def on_post_run_cell(result=None):
    """Handle IPython's post_run_cell: close the running cell's record."""
    global _current
    run = _current
    if run is None:
        return
    run["endMono"] = time.monotonic()
    run["durationMs"] = round((run["endMono"] - run["startMono"]) * 1000.0, 3)
    # In the history before it stops being the running one, so that a hold
    # looked up in between (run_at) still finds it.
    with _lock:
        _runs.append(run)
    _current = None
    _notify("end", run)


def run_at(mono):
    """The cell run that was running at `time.monotonic()` value `mono`: the
    running one, or a recent one that ended after it (a hold seen only once
    its cell has ended still belongs to that cell), else None."""
    run = _current
    if run is not None and run["startMono"] <= mono:
        return run
    with _lock:
        for past in reversed(_runs):
            if past is run:
                continue
            if past["startMono"] <= mono <= past.get("endMono", past["startMono"]):
                return past
            if past.get("endMono", 0.0) < mono:
                break
    return None


RUNNING = object()  # add_hold's default: the cell that runs now


def add_hold(ms, sdk_pending, run=RUNNING):
    """Add a GIL hold of `ms` to a cell run's totals (for TD125): by default
    the running cell's; `None` (a hold between cells) adds to none."""
    run = _current if run is RUNNING else run
    if run is None:
        return
    run["holdMs"] += ms
    run["holds"] += 1
    if sdk_pending:
        run["holdMsSdkPending"] += ms


def runs_fact():
    """Recent cell runs as `cellRuns` facts (the running one last, if any)."""
    with _lock:
        runs = list(_runs)
    out = [_run_fact(r) for r in runs]
    current = _current
    if current is not None and not (runs and runs[-1] is current):
        fact = _run_fact(current)
        fact["durationMs"] = round(
            (time.monotonic() - current["startMono"]) * 1000.0, 3
        )
        fact["running"] = True
        out.append(fact)
    return out


def _run_fact(run):
    return {
        "cellId": run.get("cellId"),
        "startedAt": run.get("startedAt"),
        "durationMs": run.get("durationMs", 0.0),
        "holdMs": round(run.get("holdMs", 0.0), 3),
        "holdMsSdkPending": round(run.get("holdMsSdkPending", 0.0), 3),
        "holds": run.get("holds", 0),
    }


def frame_fact(filename, line, function):
    """One stack frame as a fact, with its cell id when it is cell code."""
    fact = {"file": filename, "line": line, "function": function}
    if filename in _files:
        fact["cellId"] = _files.get(filename)
    return fact


def stack_fact(frame, limit=40):
    """A Python frame's stack as facts, innermost frame last, agent omitted."""
    frames = []
    while frame is not None and len(frames) < limit:
        code = frame.f_code
        name = code.co_filename
        if not name.startswith("<tinker-doctor:"):
            frames.append(frame_fact(name, frame.f_lineno, code.co_name))
        frame = frame.f_back
    frames.reverse()
    return frames


def locate(stack):
    """(cellId, line) of the innermost cell frame in a stack (innermost last)."""
    for fact in reversed(stack):
        if fact.get("file") in _files:
            return _files.get(fact["file"]), fact.get("line")
    return None, None


def has_cell_frame(stack):
    """Whether any frame of a stack (list of frame facts) is cell code."""
    return any(fact.get("file") in _files for fact in stack)


def reset():
    """Forget everything (used by uninstall)."""
    global _current
    with _lock:
        _files.clear()
        _runs.clear()
    _current = None
    del _listeners[:]


def shell():
    """The running IPython shell, or None outside IPython (never imports it)."""
    ipy = sys.modules.get("IPython")
    if ipy is None:
        return None
    try:
        return ipy.get_ipython()
    except Exception:
        return None
