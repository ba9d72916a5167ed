"""The agent's own timeline: per cell run, each Tinker request's submit and
resolve times, the main thread's waits on futures, and the watchdog's stalls.

The watchdog calls :func:`on_tick` on every tick (from its own thread) and
:func:`record_stall` for each stall it reports; the frontend reads
:func:`export`. Nothing here touches the SDK: it only looks at the task and
frame objects it is given. Memory is bounded (a few cell runs, a capped
number of items per run). Standard library only; never raises.

Precision is one watchdog tick: a request is "submitted" at the first tick
its task is seen and "resolved" at the first tick it is gone.
"""

from __future__ import annotations

import collections
import itertools
import threading
import time
import weakref
from types import FrameType
from typing import Any, Iterable, Optional

from . import sdk_state

#: Cell runs kept; older ones are dropped first.
MAX_RUNS = 20
#: Requests, waits and stalls kept per run (each); the rest are counted.
MAX_ITEMS_PER_RUN = 2000
#: Tasks followed at once; beyond this new tasks are not tracked.
MAX_TRACKED_TASKS = 10000
#: Frames walked up from the main thread's current frame.
MAX_FRAME_DEPTH = 80

#: Functions in which the main thread waits on a future.
WAIT_FUNCTIONS = frozenset({"result", "result_async", "__await__"})

#: Long-lived or bookkeeping coroutines of the SDK, and helpers that only
#: await a request shown by another task: not requests.
BACKGROUND_COROUTINES = sdk_state.BACKGROUND_COROUTINES | {"result_async", "_combine"}

#: Labels for the request coroutines of the SDK (last qualname part).
REQUEST_LABELS = {
    "_optim_step_async": "optim_step",
    "_sample_async": "sample",
    "_sample_async_with_retries": "sample",
    "_sample_async_without_retries": "sample",
    "_save_state_async": "save_state",
    "_save_weights_for_sampler_async": "save_weights_for_sampler",
    "_load_state_async": "load_state",
}

#: Libraries whose frames are not the user's code.
_LIBRARY_MODULES = ("tinker", "concurrent.", "threading", "asyncio", "_tinker_doctor")

# Offset from time.monotonic() to epoch, for callers that tick in monotonic.
_EPOCH_OFFSET = time.time() - time.monotonic()


class _Run:
    """One cell run's timeline, as plain data."""

    def __init__(self, number: int, cell_id: Optional[str], started_at: float):
        self.data: dict[str, Any] = {
            "cellId": cell_id,
            "cellIndex": None,
            "run": number,
            "startedAt": started_at,
            "endedAt": None,
            "requests": [],
            "waits": [],
            "stalls": [],
            "dropped": 0,
        }

    def add(self, kind: str, item: dict) -> bool:
        """Append an item unless the run is full (then count it)."""
        items = self.data[kind]
        if len(items) >= MAX_ITEMS_PER_RUN:
            self.data["dropped"] += 1
            return False
        items.append(item)
        return True


class _Tracked:
    """A task being followed: a weak reference and its request record."""

    __slots__ = ("ref", "record")

    def __init__(self, ref: Any, record: dict):
        self.ref = ref
        self.record = record


_lock = threading.Lock()
_runs: collections.deque = collections.deque(maxlen=MAX_RUNS)
_current: Optional[_Run] = None
_tasks: dict[int, _Tracked] = {}
_wait: Optional[dict] = None
_numbers = itertools.count(1)


def on_tick(
    now: float,
    sdk_tasks: Iterable[Any],
    main_frame: Optional[FrameType],
    cell_id: Optional[str],
) -> None:
    """Update the timeline from one watchdog tick.

    ``now`` is epoch seconds (monotonic seconds are converted), ``sdk_tasks``
    the SDK loop's pending tasks, ``main_frame`` the main thread's current
    frame and ``cell_id`` the running cell (None when idle).
    """
    try:
        with _lock:
            _tick(_epoch(now), list(sdk_tasks or ()), main_frame, cell_id)
    except Exception:  # never raise into the watchdog
        pass


def record_stall(stall: dict) -> None:
    """Add (or update, when it ends) a stall the watchdog reported."""
    try:
        with _lock:
            _record_stall(stall)
    except Exception:
        pass


def export() -> list:
    """The timelines of the recent cell runs, oldest first, as JSON data."""
    with _lock:
        return [_copy(run.data) for run in _runs]


def run(args: dict) -> dict:
    """The check `timeline`: the recent cell runs' timelines for the panel."""
    try:
        return {"runs": export()}
    except Exception as error:  # never raise into the comm handler
        return {"runs": [], "error": "%s: %s" % (type(error).__name__, error)}


def reset() -> None:
    """Forget everything (used by uninstall and tests)."""
    global _current, _wait
    with _lock:
        _runs.clear()
        _tasks.clear()
        _current = None
        _wait = None


# -- internals --------------------------------------------------------------


def _epoch(now: float) -> float:
    """Epoch seconds from either clock (monotonic values are small)."""
    return now + _EPOCH_OFFSET if now < 1e9 else now


def _tick(now: float, tasks: list, frame: Optional[FrameType], cell_id) -> None:
    global _current
    if _current is not None and _current.data["cellId"] != cell_id:
        _end_run(now)
    if _current is None and cell_id is not None:
        _current = _Run(next(_numbers), cell_id, now)
        _runs.append(_current)
    _track_tasks(now, tasks)
    _track_wait(now, frame, bool(tasks))


def _end_run(now: float) -> None:
    global _current
    _close_wait(now)
    if _current is not None:
        _current.data["endedAt"] = now
    _current = None


def _track_tasks(now: float, tasks: list) -> None:
    seen = set()
    for task in tasks:
        key = id(task)
        seen.add(key)
        tracked = _tasks.get(key)
        if tracked is not None and tracked.ref() is task:
            if _done(task):
                _resolve(key, now)
            continue
        # New task (or a new object reusing a dead one's id).
        if tracked is not None:
            _resolve(key, now)
        if _current is None or len(_tasks) >= MAX_TRACKED_TASKS or _done(task):
            continue
        qualname = _qualname(task)
        if qualname.rpartition(".")[2] in BACKGROUND_COROUTINES or _is_asyncio(task):
            continue
        try:
            ref = weakref.ref(task)
        except TypeError:
            continue
        record = {
            "id": "t%d" % key,
            "name": _label(task, qualname),
            "qualname": qualname,
            "submitAt": now,
            "resolveAt": None,
        }
        if _current.add("requests", record):
            _tasks[key] = _Tracked(ref, record)
    for key in [k for k in _tasks if k not in seen]:
        _resolve(key, now)


def _resolve(key: int, now: float) -> None:
    tracked = _tasks.pop(key, None)
    if tracked is not None and tracked.record["resolveAt"] is None:
        tracked.record["resolveAt"] = now


def _done(task: Any) -> bool:
    try:
        return bool(task.done())
    except Exception:
        return False


def _qualname(task: Any) -> str:
    try:
        coro = task.get_coro()
        return str(getattr(coro, "__qualname__", "") or type(coro).__name__)
    except Exception:
        return type(task).__name__


def _is_asyncio(task: Any) -> bool:
    """Whether the task runs an asyncio primitive (``Event.wait``, ...)."""
    try:
        code = getattr(task.get_coro(), "cr_code", None)
        name = code.co_filename.replace("\\", "/") if code is not None else ""
        return "/asyncio/" in name
    except Exception:
        return False


def _label(task: Any, qualname: str) -> str:
    """A short name for a request task."""
    parts = [p for p in qualname.split(".") if p != "<locals>"]
    last = parts[-1] if parts else qualname
    if last in REQUEST_LABELS:
        return REQUEST_LABELS[last]
    if last == "_run_async" and len(parts) > 1:
        outer = parts[-2].lstrip("_")
        return "forward_backward" if "fwd_bwd" in outer else outer
    if last == "_result_async":
        # The long-poll of one server-side request.
        kind = _request_type(task)
        return "%s (server)" % kind if kind else "request (server)"
    name = last.lstrip("_")
    return name[: -len("_async")] if name.endswith("_async") else name


def _request_type(task: Any) -> Optional[str]:
    """``request_type`` of the ``_APIFuture`` whose poll loop this task runs."""
    try:
        frame = task.get_coro().cr_frame
        owner = frame.f_locals.get("self") if frame is not None else None
        kind = getattr(owner, "request_type", None)
        return str(kind) if kind else None
    except Exception:
        return None


def _track_wait(now: float, frame: Optional[FrameType], pending: bool) -> None:
    global _wait
    found = _waiting_in(frame, pending)
    if _wait is not None and (
        found is None or found != (_wait["what"], _wait["line"])
    ):
        _close_wait(now)
    if found is not None and _wait is None and _current is not None:
        what, line = found
        _wait = {"start": now, "end": None, "what": what, "line": line}
        if not _current.add("waits", _wait):
            _wait = None


def _close_wait(now: float) -> None:
    global _wait
    if _wait is not None:
        _wait["end"] = now
    _wait = None


def _waiting_in(frame: Optional[FrameType], pending: bool):
    """(what, user line) when the main thread waits on a future, else None.

    The outermost SDK wait function names the wait (the call the user
    made); a plain ``concurrent.futures`` wait counts only while the SDK has
    pending requests (``sample()`` returns one). The line is that of the
    first frame above the wait that is not library code (the cell's).
    """
    what = None
    tinker = False
    depth = 0
    while frame is not None and depth < MAX_FRAME_DEPTH:
        code = frame.f_code
        module = str(frame.f_globals.get("__name__", ""))
        if code.co_name in WAIT_FUNCTIONS:
            name = getattr(code, "co_qualname", code.co_name)
            if module.startswith("tinker"):
                what, tinker = name, True
            elif not tinker and pending and module.startswith("concurrent.futures"):
                what = name
        elif what is not None and not module.startswith(_LIBRARY_MODULES):
            return what, frame.f_lineno
        frame = frame.f_back
        depth += 1
    return (what, None) if what is not None else None


def _record_stall(stall: dict) -> None:
    if not isinstance(stall, dict):
        return
    started = stall.get("startedAt")
    duration = stall.get("durationMs")
    if not isinstance(started, (int, float)) or not isinstance(
        duration, (int, float)
    ):
        return
    started = _epoch(float(started))
    run = _run_for(stall.get("cellId"))
    if run is None:
        return
    for item in run.data["stalls"]:
        if abs(item["startedAt"] - started) < 1e-3:
            item["durationMs"] = max(item["durationMs"], float(duration))
            item["ongoing"] = bool(stall.get("ongoing", False))
            return
    run.add(
        "stalls",
        {
            "startedAt": started,
            "durationMs": float(duration),
            "ongoing": bool(stall.get("ongoing", False)),
            "line": stall.get("line") if isinstance(stall.get("line"), int) else None,
        },
    )


def _run_for(cell_id: Any) -> Optional[_Run]:
    """The current run, or the latest run of that cell, or the latest run."""
    if _current is not None and (cell_id is None or cell_id == _current.data["cellId"]):
        return _current
    for run in reversed(_runs):
        if cell_id is None or run.data["cellId"] == cell_id:
            return run
    return _runs[-1] if _runs else None


def _copy(data: dict) -> dict:
    out = dict(data)
    for kind in ("requests", "waits", "stalls"):
        out[kind] = [dict(item) for item in data[kind]]
    return out
