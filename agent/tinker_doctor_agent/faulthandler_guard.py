"""Share faulthandler's single `dump_traceback_later` timer with the user.

CPython has one such timer per process and no way to ask whether it is armed.
The watchdog arms it only when it can tell nobody else uses faulthandler:

- `faulthandler.is_enabled()` is True: someone (pytest, `python -X
  faulthandler`, PYTHONFAULTHANDLER, the user) manages faulthandler and may
  arm the timer, possibly before the agent was installed. The agent never
  calls `enable()` itself, so any enabled handler is not ours.
- Calls to `faulthandler.dump_traceback_later` made after the agent is
  installed go through a thin wrapper put on the module attribute: it marks
  the timer as foreign (until the user cancels it, or until a one-shot timer
  has fired) and then calls the real function. Arming and the wrapper share a
  lock, so the watchdog never replaces a timer armed a moment before.
- A timer armed through a reference taken before the agent was installed
  (`from faulthandler import dump_traceback_later`) with faulthandler not
  enabled cannot be seen; this is the one blind spot.

When the timer is foreign, the watchdog falls back to sampling
`sys._current_frames()` after a hold, and the user's timer survives. The
wrappers are removed by `restore()` if they are still in place.
"""

import faulthandler
import threading
import time

_lock = threading.Lock()
_real = {
    "later": faulthandler.dump_traceback_later,
    "cancel": faulthandler.cancel_dump_traceback_later,
}
_state = {"foreign_until": 0.0, "ours": False, "wrapped": False, "calls": 0}


def _user_dump_traceback_later(timeout, repeat=False, file=None, exit=False):
    """Wrapper on faulthandler.dump_traceback_later: marks the timer foreign."""
    with _lock:
        _state["calls"] += 1
        if repeat or exit:
            _state["foreign_until"] = float("inf")
        else:
            _state["foreign_until"] = time.monotonic() + float(timeout) + 1.0
        _state["ours"] = False
        if file is None:
            return _real["later"](timeout, repeat=repeat, exit=exit)
        return _real["later"](timeout, repeat=repeat, file=file, exit=exit)


def _user_cancel_dump_traceback_later():
    """Wrapper on faulthandler.cancel_dump_traceback_later."""
    with _lock:
        _state["foreign_until"] = 0.0
        _state["ours"] = False
        return _real["cancel"]()


def wrap():
    """Put the wrappers on the faulthandler module (idempotent)."""
    with _lock:
        if faulthandler.dump_traceback_later is not _user_dump_traceback_later:
            _real["later"] = faulthandler.dump_traceback_later
            faulthandler.dump_traceback_later = _user_dump_traceback_later
        if faulthandler.cancel_dump_traceback_later is not _user_cancel_dump_traceback_later:
            _real["cancel"] = faulthandler.cancel_dump_traceback_later
            faulthandler.cancel_dump_traceback_later = _user_cancel_dump_traceback_later
        _state["wrapped"] = True


def restore():
    """Remove the wrappers if they are still the module's attributes."""
    with _lock:
        if faulthandler.dump_traceback_later is _user_dump_traceback_later:
            faulthandler.dump_traceback_later = _real["later"]
        if faulthandler.cancel_dump_traceback_later is _user_cancel_dump_traceback_later:
            faulthandler.cancel_dump_traceback_later = _real["cancel"]
        _state["wrapped"] = False


def conflict(now=None):
    """Why the timer must be left alone (a string), or None when it is free."""
    if faulthandler.is_enabled():
        return "faulthandler enabled by someone else"
    now = time.monotonic() if now is None else now
    if _state["foreign_until"] > now:
        return "dump_traceback_later armed by someone else"
    return None


def arm(timeout, file):
    """Arm our timer unless it is foreign; True when armed."""
    with _lock:
        if conflict() is not None:
            return False
        _real["later"](timeout, repeat=False, file=file, exit=False)
        _state["ours"] = True
        return True


def disarm():
    """Cancel the timer only if it is ours (never a user's timer)."""
    with _lock:
        if _state["ours"]:
            _real["cancel"]()
        _state["ours"] = False


def ours():
    """Whether the pending timer (if any) is ours."""
    return _state["ours"]
