"""Read-only access to the Tinker SDK's background thread, loop and tasks.

Never imports `tinker` and never starts the SDK's thread: everything is read
from modules the user already imported. Verified against tinker 0.38.0:
`tinker.lib.internal_client_holder._internal_client_holder_thread_singleton`
has `_thread`, `_loop`, `_started`; the thread's target is the singleton's
`_background_thread_func`; the heartbeat coroutine is
`InternalClientHolder._session_heartbeat` with the local
`last_heartbeat_time` (time.monotonic()). Any of these may be missing in
other SDK versions: every reader here returns None instead of raising.
"""

import asyncio
import sys
import threading
import time
import weakref

HOLDER_MODULE = "tinker.lib.internal_client_holder"
THREAD_FUNC = "_background_thread_func"
HEARTBEAT = "_session_heartbeat"

# Coroutines on the SDK loop that are session upkeep or bookkeeping, not
# requests (last part of the qualname; tinker 0.38.0, same list as the
# timeline module's).
BACKGROUND_COROUTINES = frozenset(
    {
        "_session_heartbeat",
        "_client_dynamic_config_refresh_loop",
        "_cancel_drain_loop",
        "_process_one_cancel",
        "_send_cancel_request",
        "_poll_loop",
        "_periodic_flush",
        "_release",
        "_check_progress",
        "_async_cleanup",
        "_refresh_loop",
    }
)

# First time the agent saw each task: a lower bound on its age.
_first_seen = weakref.WeakKeyDictionary()
_seen_lock = threading.Lock()


def imported():
    """Whether the user's process has imported tinker."""
    return "tinker" in sys.modules


def singleton():
    """The SDK's thread singleton if tinker's holder module is loaded."""
    mod = sys.modules.get(HOLDER_MODULE)
    if mod is None:
        return None
    return getattr(mod, "_internal_client_holder_thread_singleton", None)


def is_sdk_thread(thread):
    """Whether `thread` is the SDK's background loop thread (read-only)."""
    single = singleton()
    if single is not None and getattr(single, "_thread", None) is thread:
        return True
    target = getattr(thread, "_target", None)
    if getattr(target, "__name__", None) == THREAD_FUNC:
        owner = type(getattr(target, "__self__", None)).__name__
        return owner.endswith("ThreadSingleton")
    return thread.name.endswith("(%s)" % THREAD_FUNC)


def thread_and_loop():
    """(thread, loop) of the SDK, each None when absent; starts nothing."""
    single = singleton()
    thread = getattr(single, "_thread", None) if single is not None else None
    loop = getattr(single, "_loop", None) if single is not None else None
    if thread is None:
        for candidate in threading.enumerate():
            if is_sdk_thread(candidate):
                thread = candidate
                target = getattr(candidate, "_target", None)
                owner = getattr(target, "__self__", None)
                loop = loop or getattr(owner, "_loop", None)
                break
    if loop is not None and not isinstance(loop, asyncio.AbstractEventLoop):
        loop = None
    return thread, loop


def loop_running(loop):
    """Whether `loop` is running (False for None or on error)."""
    try:
        return bool(loop is not None and loop.is_running() and not loop.is_closed())
    except Exception:
        return False


def measure_lag(loop, timeout=0.2):
    """How late (ms) a no-op scheduled on `loop` ran; `timeout`*1000 if never."""
    done = threading.Event()
    box = {}

    def _noop():
        box["t"] = time.monotonic()
        done.set()

    start = time.monotonic()
    try:
        loop.call_soon_threadsafe(_noop)
    except Exception:
        return None
    if not done.wait(timeout):
        return round(timeout * 1000.0, 3)
    return round((box["t"] - start) * 1000.0, 3)


class LagProbe:
    """Non-blocking loop-lag measurement for the watchdog's own thread."""

    def __init__(self):
        self.sent_at = None
        self.ran_at = None
        self.last_lag_ms = None
        self.loop = None

    def poll(self, loop, now):
        """Update from the last no-op; schedule a new one. Returns lag in ms."""
        if self.loop is not loop:
            self.loop, self.sent_at, self.ran_at = loop, None, None
        if self.sent_at is not None:
            if self.ran_at is not None:
                self.last_lag_ms = (self.ran_at - self.sent_at) * 1000.0
                self.sent_at = None
            else:
                # Still waiting: the lag is at least this long.
                return (now - self.sent_at) * 1000.0
        if loop is None:
            return None
        self.ran_at = None
        self.sent_at = now
        try:
            loop.call_soon_threadsafe(self._ran)
        except Exception:
            self.sent_at = None
        return self.last_lag_ms

    def _ran(self):
        self.ran_at = time.monotonic()


def tasks(loop):
    """Snapshot of the loop's unfinished tasks (list of asyncio.Task)."""
    if loop is None:
        return []
    for _ in range(3):
        try:
            return [t for t in asyncio.all_tasks(loop) if not t.done()]
        except RuntimeError:
            continue
        except Exception:
            return []
    return []


def qualname(task):
    """The qualified name of a task's coroutine, or its repr's type."""
    try:
        coro = task.get_coro()
        return getattr(coro, "__qualname__", None) or type(coro).__name__
    except Exception:
        return "?"


def is_request(task):
    """Whether a task is a Tinker request rather than session upkeep."""
    return qualname(task).rpartition(".")[2] not in BACKGROUND_COROUTINES


def note_tasks(task_list, now):
    """Remember when each task was first seen (for ages)."""
    with _seen_lock:
        for task in task_list:
            if task not in _first_seen:
                try:
                    _first_seen[task] = now
                except TypeError:
                    pass


def task_age(task, now):
    """Seconds since the agent first saw `task`, or None."""
    seen = _first_seen.get(task)
    return None if seen is None else round(now - seen, 3)


def _coro_stack(task, limit=12):
    frames = []
    coro = None
    try:
        coro = task.get_coro()
    except Exception:
        return frames
    depth = 0
    while coro is not None and depth < limit:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        frames.append(
            {
                "file": frame.f_code.co_filename,
                "line": frame.f_lineno,
                "function": frame.f_code.co_name,
            }
        )
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
        depth += 1
    return frames  # outermost first, innermost last


def task_facts(task_list, now, with_stack=True):
    """pendingTasks facts for a list of tasks."""
    out = []
    for task in task_list:
        fact = {"coroutine": qualname(task), "ageS": task_age(task, now)}
        try:
            fact["name"] = task.get_name()
        except Exception:
            pass
        fact["request"] = is_request(task)
        if with_stack:
            fact["stack"] = _coro_stack(task)
        out.append(fact)
    return out


def heartbeat_age(task_list, now=None):
    """Seconds since the last successful heartbeat, or None when unknowable."""
    now = time.monotonic() if now is None else now
    ages = []
    for task in task_list:
        if not qualname(task).endswith("." + HEARTBEAT):
            continue
        try:
            frame = task.get_coro().cr_frame
            last = frame.f_locals.get("last_heartbeat_time") if frame else None
        except Exception:
            last = None
        if isinstance(last, (int, float)):
            ages.append(max(0.0, now - last))
    if not ages:
        return None
    return round(max(ages), 3)


def base_url_is_default(clients_holders=()):
    """Whether requests go to the SDK's built-in URL (env and live holders)."""
    import os

    default = None
    mod = sys.modules.get("tinker.lib.base_url")
    if mod is not None:
        default = getattr(mod, "DEFAULT_BASE_URL", None)
    urls = [getattr(h, "_base_url", None) for h in clients_holders]
    urls = [u for u in urls if isinstance(u, str)]
    if urls and default:
        return all(u.rstrip("/") == default.rstrip("/") for u in urls)
    env = os.environ.get("TINKER_BASE_URL") or ""
    if not env:
        return True
    if default:
        return env.rstrip("/") == default.rstrip("/")
    return False
