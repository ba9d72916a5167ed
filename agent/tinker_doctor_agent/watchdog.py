"""The watchdog: GIL holds, SDK loop lag, waits on Tinker futures.

A daemon thread ticks every few milliseconds and measures how late it wakes.
A Python thread can only run when it holds the GIL, so a late wake-up means
either the process held the GIL (a hold) or the machine did not schedule us.
Two clocks tell them apart:

- the main thread's CPU clock (`time.pthread_getcpuclockid`): a hold burns
  the main thread's CPU;
- our own run-queue delay from `/proc/thread-self/schedstat` (Linux): time we
  were runnable but not running is the machine's fault, not the GIL's.

To name the line while a hold is in progress, each tick re-arms
`faulthandler.dump_traceback_later` on a temporary file the watchdog owns:
if the next tick does not come within `dump_after`, CPython's C-level timer
thread dumps every thread's stack during the hold, without the GIL. The
main thread's section gives the cell file and line (cells.py maps file names
to cell ids). When faulthandler is used by someone else (see
faulthandler_guard.py) the watchdog samples `sys._current_frames()` right
after the hold instead: the main thread gives up the GIL at the first
bytecode boundary after the long call, which is still on the guilty line.

A long hold cannot be reported while it lasts (no Python thread runs), so
`stall` events are pushed as soon as it ends (`ongoing: true` while holds
keep recurring on the same line, `ongoing: false` once they stop); during a
hold the frontend sees the `status` events stop. Everything is kept in ring
buffers.
"""

import collections
import os
import re
import sys
import tempfile
import threading
import time

from . import cells, comm_channel, faulthandler_guard, probe, sdk_state

SETTINGS = {
    "tick_s": 0.005,
    "stall_threshold_ms": 100.0,
    "hold_margin_ms": 3.0,
    # Switch intervals a GIL request may wait behind pure-Python code (see
    # hold_floor_ms); 1 gives a lower floor and some false short holds.
    "convoy_intervals": 2.0,
    "dump_after_ms": 50.0,
    "arm_interval_s": 0.1,
    "sched_every": 20,
    "wait_threshold_ms": 10000.0,
    "status_interval_s": 2.0,
    "sdk_poll_s": 0.1,
    "tasks_poll_s": 0.5,
    "wait_poll_s": 0.2,
    "merge_gap_s": 1.0,
}
MAX_STALLS = 100
MAX_WAITS = 50
MAX_HOLDS = 2000

_stalls = collections.deque(maxlen=MAX_STALLS)
_waits = collections.deque(maxlen=MAX_WAITS)
_holds = collections.deque(maxlen=MAX_HOLDS)  # (epoch, ms, cellId, line)
_lock = threading.Lock()
_runner = None


def configure(
    stall_threshold_ms=None, wait_threshold_ms=None, status_interval_s=None, **extra
):
    """Change thresholds; returns the settings in camelCase."""
    if stall_threshold_ms is not None and stall_threshold_ms >= 10:
        SETTINGS["stall_threshold_ms"] = float(stall_threshold_ms)
        SETTINGS["dump_after_ms"] = max(20.0, min(50.0, float(stall_threshold_ms) / 2.0))
    if wait_threshold_ms is not None and wait_threshold_ms >= 100:
        SETTINGS["wait_threshold_ms"] = float(wait_threshold_ms)
    if status_interval_s is not None and status_interval_s >= 0.2:
        SETTINGS["status_interval_s"] = float(status_interval_s)
    for key, value in extra.items():
        if key in SETTINGS and isinstance(value, (int, float)) and value > 0:
            SETTINGS[key] = type(SETTINGS[key])(value)
    return settings()


def settings():
    """Current thresholds (camelCase, for the frontend)."""
    return {
        "stallThresholdMs": SETTINGS["stall_threshold_ms"],
        "waitThresholdMs": SETTINGS["wait_threshold_ms"],
        "statusIntervalS": SETTINGS["status_interval_s"],
        "tickMs": SETTINGS["tick_s"] * 1000.0,
        "holdFloorMs": hold_floor_ms(),
        "dumpAfterMs": SETTINGS["dump_after_ms"],
    }


def hold_floor_ms():
    """Smallest hold counted beyond a tick: two switch intervals plus a margin.

    A thread asking for the GIL waits one switch interval before it asks the
    holder to drop it; behind a busy pure-Python main thread, measured waits
    are often two intervals (10 ms), never a hold of the user's making.
    """
    convoy = SETTINGS["convoy_intervals"] * sys.getswitchinterval() * 1000.0
    return convoy + SETTINGS["hold_margin_ms"]


def start():
    """Start the watchdog thread (idempotent). Returns True when running."""
    global _runner
    with _lock:
        if _runner is not None and _runner.thread.is_alive():
            return True
        _runner = _Runner()
        _runner.start()
        return True


def stop(timeout=2.0):
    """Stop the thread, cancel our faulthandler timer, remove the wrappers."""
    global _runner
    with _lock:
        runner, _runner = _runner, None
    if runner is not None:
        runner.stop(timeout)
    faulthandler_guard.restore()
    with _lock:
        _stalls.clear()
        _waits.clear()
        _holds.clear()


def running():
    """Whether the watchdog thread is alive."""
    return _runner is not None and _runner.thread.is_alive()


def info():
    """Mode, counters and settings (JSON-able)."""
    runner = _runner
    out = {"running": running(), "settings": settings()}
    if runner is not None:
        out.update(runner.info())
    return out


def facts():
    """stalls, waits and watchdog info for the probe."""
    with _lock:
        stalls = [dict(s) for s in _stalls]
        waits = [dict(w) for w in _waits]
    return {"stalls": stalls, "waits": waits, "watchdog": info()}


def recent_holds(since=0.0):
    """Holds (epoch, ms, cellId, line) seen since `since` (epoch seconds)."""
    with _lock:
        return [h for h in _holds if h[0] >= since]


# -- faulthandler dump parsing --------------------------------------------

_HEADER = re.compile(r"^(Current thread|Thread) (0x[0-9a-fA-F]+)")
_FRAME = re.compile(r'^\s+File "(.*)", line (\d+) in (.*)$')


def parse_dump(text):
    """{ident: (is_current, frames innermost-last)} from a faulthandler dump."""
    threads = {}
    ident = None
    for line in text.splitlines():
        head = _HEADER.match(line)
        if head:
            ident = int(head.group(2), 16)
            threads[ident] = (head.group(1) == "Current thread", [])
            continue
        frame = _FRAME.match(line)
        if frame and ident is not None:
            threads[ident][1].append(
                cells.frame_fact(frame.group(1), int(frame.group(2)), frame.group(3))
            )
    return {k: (cur, list(reversed(frames))) for k, (cur, frames) in threads.items()}


class _Clock:
    """CPU clock of one thread, or None where unsupported."""

    def __init__(self, ident):
        try:
            self.clk = time.pthread_getcpuclockid(ident)
            time.clock_gettime(self.clk)
        except Exception:
            self.clk = None

    def read(self):
        if self.clk is None:
            return None
        try:
            return time.clock_gettime(self.clk)
        except Exception:
            return None


class _SchedStat:
    """A thread's run-queue delay (s) and times scheduled, Linux only."""

    def __init__(self, native_id=None):
        path = "/proc/thread-self/schedstat"
        if native_id is not None:
            path = "/proc/self/task/%d/schedstat" % native_id
        try:
            self.fd = os.open(path, os.O_RDONLY)
        except Exception:
            self.fd = None

    def read(self):
        """(run delay seconds, times scheduled); zeros when unknown."""
        if self.fd is None:
            return 0.0, 0
        try:
            fields = os.pread(self.fd, 128, 0).split()
            return int(fields[1]) / 1e9, int(fields[2])
        except Exception:
            return 0.0, 0

    def close(self):
        if self.fd is not None:
            try:
                os.close(self.fd)
            except Exception:
                pass
            self.fd = None


class _Runner:
    """The watchdog thread and its per-tick state."""

    def __init__(self):
        self.main = threading.main_thread()
        self.main_ident = self.main.ident
        self.stopping = False
        self.thread = threading.Thread(
            target=self._run, name="tinker-doctor-watchdog", daemon=True
        )
        self.dump_file = None
        self.mode = "faulthandler"
        self.degraded = None
        self.ticks = 0
        self.late_ticks = 0
        self.dismissed = 0
        self.wake_rate = 2.0
        self.armed_at = 0.0
        self.overloaded = 0
        self.main_wait_s = None
        self.dumps = 0
        self.busy_s = 0.0
        self.open_stall = None
        self.wait = None
        self.lag = sdk_state.LagProbe()
        self.sdk = {"loop": None, "lagMs": None, "tasks": [], "pending": 0}
        self.next_sdk = self.next_tasks = self.next_wait = 0.0
        self.next_status = 0.0
        self.status_cell = None
        self.hook_errors = 0
        self.errors = 0
        self.last_error = None

    def start(self):
        try:
            self.dump_file = tempfile.TemporaryFile(prefix="tinker-doctor-")
        except Exception:
            self.dump_file = None
        faulthandler_guard.wrap()
        self.thread.start()

    def stop(self, timeout):
        self.stopping = True
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)
        faulthandler_guard.disarm()
        if self.dump_file is not None:
            try:
                self.dump_file.close()
            except Exception:
                pass
            self.dump_file = None

    def info(self):
        return {
            "mode": self.mode,
            "degradedReason": self.degraded,
            "ticks": self.ticks,
            "lateTicks": self.late_ticks,
            "dismissed": self.dismissed,
            "overloaded": self.overloaded,
            "dumps": self.dumps,
            "busyMs": round(self.busy_s * 1000.0, 3),
            "errors": self.errors,
            "lastError": self.last_error,
        }

    # -- the loop ------------------------------------------------------------
    def _run(self):
        probe.register_agent_thread(threading.get_ident())
        main_cpu = _Clock(self.main_ident)
        own = _SchedStat()
        main_sched = _SchedStat(getattr(self.main, "native_id", None))
        try:
            self._loop(main_cpu, own, main_sched)
        finally:
            own.close()
            main_sched.close()
            probe.unregister_agent_thread(threading.get_ident())

    def _loop(self, main_cpu, own, main_sched):
        # Gaps are measured from the start of one tick to the start of the
        # next, so a hold that begins while a call inside a tick has released
        # the GIL is not missed. Such calls (file reads, comm sends, the SDK
        # loop's self-pipe) must win the GIL back, which costs up to a switch
        # interval or two behind a busy main thread: the time a tick took is
        # allowed for, up to four switch intervals. Most ticks make no such
        # call; the scheduler statistics are read every `sched_every` ticks
        # and on late ticks.
        perf = time.perf_counter
        sleep = time.sleep
        has_main_sched = main_sched.fd is not None
        last = perf()
        allow = 0.0
        last_cpu = main_cpu.read()
        last_own = own.read()
        last_main = main_sched.read()
        since_sched = 0
        self._arm()
        while not self.stopping:
            sleep(SETTINGS["tick_s"])
            now = perf()
            gap = now - last - allow
            self.ticks += 1
            if (gap - SETTINGS["tick_s"]) * 1000.0 > hold_floor_ms():
                # Sample first: the main thread is still near the guilty line.
                frame = sys._current_frames().get(self.main_ident)
                cpu = main_cpu.read()
                self._arm()
                sched = own.read()
                msched = main_sched.read()
                try:
                    self._late(
                        now,
                        gap,
                        frame,
                        (cpu, last_cpu),
                        (sched[0] - last_own[0], sched[1] - last_own[1], since_sched),
                        msched[0] - last_main[0] if has_main_sched else None,
                    )
                except Exception as exc:  # one bad tick must not end the watch
                    self.errors += 1
                    self.last_error = "%s: %s" % (type(exc).__name__, exc)
                frame = None
                last_own, last_main = sched, msched
            else:
                cpu = main_cpu.read()
                since_sched += 1
                if since_sched >= SETTINGS["sched_every"]:
                    # File reads release the GIL: only every few ticks (the
                    # time it costs to win it back is allowed for above).
                    fresh = own.read()
                    rate = (fresh[1] - last_own[1]) / float(since_sched)
                    self.wake_rate = 0.8 * self.wake_rate + 0.2 * rate
                    last_own, last_main, since_sched = fresh, main_sched.read(), 0
                if now - self.armed_at >= SETTINGS["arm_interval_s"]:
                    self._arm()
            last, last_cpu = now, cpu
            try:
                self._periodic(now)
            except Exception:
                pass
            spent = perf() - now
            self.busy_s += spent
            allow = min(spent, 4.0 * sys.getswitchinterval())

    def _arm(self):
        if self.dump_file is None:
            self.mode, self.degraded = "sampling", "no temporary file"
            return
        reason = faulthandler_guard.conflict()
        if reason is not None:
            if self.mode != "sampling":
                faulthandler_guard.disarm()
            self.mode, self.degraded = "sampling", reason
            return
        try:
            # Re-armed every `arm_interval_s`: the dump comes between
            # dump_after and dump_after + arm_interval into a hold.
            timeout = SETTINGS["dump_after_ms"] / 1000.0 + SETTINGS["arm_interval_s"]
            faulthandler_guard.arm(timeout, self.dump_file)
            self.armed_at = time.perf_counter()
            self.mode, self.degraded = "faulthandler", None
        except Exception as exc:
            self.mode, self.degraded = "sampling", type(exc).__name__

    def _read_dump(self):
        """The main (or GIL-holding) thread's stack from a dump, if one fired."""
        f = self.dump_file
        if f is None:
            return None, None
        try:
            fd = f.fileno()
            size = os.fstat(fd).st_size
            if size == 0:
                return None, None
            text = os.pread(fd, min(size, 1 << 20), 0).decode("utf-8", "replace")
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
        except Exception:
            return None, None
        self.dumps += 1
        threads = parse_dump(text)
        holder = [k for k, (cur, _) in threads.items() if cur]
        ident = holder[0] if holder else self.main_ident
        if ident not in threads:
            ident = self.main_ident
        entry = threads.get(ident)
        if entry is None:
            return None, None
        return entry[1], ident

    def _late(self, now, gap, frame, cpu_pair, own, main_wait_s):
        """A late tick: decide whether it was a GIL hold and record it.

        `own` is (run-queue delay, wake-ups) of this thread since the
        last reading. Waiting for the GIL wakes this thread once per switch interval,
        and each wake-up may wait for a CPU on a busy machine; only about
        two of those delays (the first wake-up and the last) lengthen the
        gap, so about two average delays are taken off.
        """
        self.late_ticks += 1
        tick = SETTINGS["tick_s"]
        delay = max(0.0, own[0])
        # Wake-ups beyond those of the ordinary ticks since the reading are
        # GIL waits (one per switch interval). Few of them: the gap was our
        # own wake-up delay, all of it is taken off. Many: a hold, and only
        # about two average wake-up delays lengthened the gap.
        extra = own[1] - self.wake_rate * own[2]
        if extra * sys.getswitchinterval() >= 0.25 * gap and own[1] > 0:
            delay = min(delay, 2.0 * delay / own[1])
        os_delay = delay
        if (gap - tick - os_delay) * 1000.0 <= hold_floor_ms():
            self._read_dump()  # a stale dump, if any, is not ours to report
            return
        held_s = gap - os_delay - tick / 2.0
        cpu, last_cpu = cpu_pair
        main_cpu_s = None if cpu is None or last_cpu is None else cpu - last_cpu
        stack, ident = self._read_dump()
        source = "faulthandler" if stack else "sample"
        self.main_wait_s = main_wait_s
        if main_cpu_s is not None and ident in (None, self.main_ident):
            # CPU the main thread used beyond what it may use before our GIL
            # request lands (one tick, our own wake-up delay, two switch
            # intervals). Pure-Python code never exceeds it, however busy the
            # machine; a long C call does. Without it: a busy machine.
            convoy = SETTINGS["convoy_intervals"] * sys.getswitchinterval()
            beyond = main_cpu_s - tick - os_delay - convoy
            if beyond * 1000.0 < SETTINGS["hold_margin_ms"]:
                self.dismissed += 1
                return
        sample = cells.stack_fact(frame) if frame is not None else []
        if stack and not cells.has_cell_frame(stack) and cells.has_cell_frame(sample):
            # On a loaded machine faulthandler's timer thread itself may run
            # late and dump after the hold; the sample then knows better.
            stack = None
        if not stack:
            stack, ident, source = sample, self.main_ident, "sample"
            if probe.is_waiting(stack):
                # The main thread already sits in a wait: the sample was taken
                # after it moved on, so its line is not the hold's.
                stack, source = [], "sample-late"
        held_ms = round(held_s * 1000.0, 3)
        cell_id, line = cells.locate(stack)
        # The run that was running in the middle of the hold: by the time
        # this thread has the GIL again the cell may have ended, and the
        # start is known only to within a tick.
        middle = time.monotonic() - (time.perf_counter() - now) - held_s / 2.0
        run = cells.run_at(middle)
        if cell_id is None and run is not None:
            cell_id = run.get("cellId")
        pending = self.sdk["pending"]
        cells.add_hold(held_ms, pending > 0, run)
        epoch = time.time()
        with _lock:
            _holds.append((epoch, held_ms, cell_id, line))
        if held_ms < SETTINGS["stall_threshold_ms"]:
            return
        if main_cpu_s is not None and main_cpu_s * 2000.0 < SETTINGS["stall_threshold_ms"]:
            # The GIL was unavailable that long, but the main thread ran for
            # less than half the threshold: an overloaded machine kept it off
            # the CPU while it held the GIL. A hold, not the line's fault.
            self.overloaded += 1
            return
        self._stall(epoch, held_ms, main_cpu_s, cell_id, line, stack, ident, source, run)

    def _stall(
        self, epoch, held_ms, main_cpu_s, cell_id, line, stack, ident, source, run
    ):
        stall = self.open_stall
        if stall is not None and stall["cellId"] == cell_id and stall["line"] == line:
            stall["count"] += 1
            stall["totalMs"] = round(stall["totalMs"] + held_ms, 3)
            stall["durationMs"] = max(stall["durationMs"], held_ms)
            stall["lastAt"] = epoch
            if main_cpu_s is not None:
                stall["mainCpuMs"] = round(main_cpu_s * 1000.0, 3)
            stall["sdkPending"] = max(stall["sdkPending"], self.sdk["pending"])
            stall["sdkThread"] = stall["sdkThread"] or self.sdk["loop"] is not None
            self._send(stall)
            return
        self._close_stall()
        thread = "main" if ident == self.main_ident else _thread_name(ident)
        stall = {
            "startedAt": round(epoch - held_ms / 1000.0, 3),
            "durationMs": held_ms,
            "totalMs": held_ms,
            "count": 1,
            "mainCpuMs": None if main_cpu_s is None else round(main_cpu_s * 1000.0, 3),
            # Time the main thread was runnable but had no CPU: when large,
            # the machine is overloaded and the hold is partly its doing.
            "mainRunQueueMs": None
            if self.main_wait_s is None
            else round(self.main_wait_s * 1000.0, 3),
            "ongoing": True,
            "cellId": cell_id,
            "line": line,
            "runningCellId": run.get("cellId") if run else None,
            "sdkPending": self.sdk["pending"],
            "sdkThread": self.sdk["loop"] is not None,
            "stack": stack[-30:],
            "source": source,
            "thread": thread,
            "lastAt": epoch,
        }
        with _lock:
            _stalls.append(stall)
        self.open_stall = stall
        self._send(stall)

    def _close_stall(self):
        stall = self.open_stall
        if stall is None:
            return
        self.open_stall = None
        stall["ongoing"] = False
        self._send(stall)

    def _send(self, stall):
        event = dict(stall, kind="stall")
        event.pop("lastAt", None)
        comm_channel.send_event(event)
        # The per-cell timeline draws stalls beside the requests they held up.
        timeline = sys.modules.get(__name__.rpartition(".")[0] + ".timeline")
        record = getattr(timeline, "record_stall", None)
        if record is not None:
            record(event)

    # -- slower duties -------------------------------------------------------
    def _periodic(self, now):
        run = cells.current()
        stall = self.open_stall
        if stall is not None and (
            time.time() - stall["lastAt"] > SETTINGS["merge_gap_s"]
            or run is None
            or run.get("cellId") != stall["cellId"]
        ):
            self._close_stall()
        if now >= self.next_sdk:
            self.next_sdk = now + SETTINGS["sdk_poll_s"]
            self._poll_sdk(now)
        if run is not None and now >= self.next_wait:
            self.next_wait = now + SETTINGS["wait_poll_s"]
            self._poll_wait(now, run)
        elif run is None and self.wait is not None:
            self._end_wait()
        if run is not None and comm_channel.open_count():
            if self.status_cell is not run:
                self.status_cell = run
                self.next_status = now + min(0.5, SETTINGS["status_interval_s"])
            elif now >= self.next_status:
                self.next_status = now + SETTINGS["status_interval_s"]
                self._status(run)
        timeline = sys.modules.get(__name__.rpartition(".")[0] + ".timeline")
        hook = getattr(timeline, "on_tick", None) if timeline is not None else None
        if hook is not None and self.hook_errors < 10:
            frame = sys._current_frames().get(self.main_ident)
            try:
                cell_id = run.get("cellId") if run else None
                hook(time.time(), self.sdk["tasks"], frame, cell_id)
            except Exception:
                self.hook_errors += 1

    def _poll_sdk(self, now):
        if "tinker" not in sys.modules:
            self.sdk = {"loop": None, "lagMs": None, "tasks": [], "pending": 0}
            return
        _, loop = sdk_state.thread_and_loop()
        if not sdk_state.loop_running(loop):
            loop = None
        mono = time.monotonic()
        lag = self.lag.poll(loop, mono)
        self.sdk["loop"] = loop
        self.sdk["lagMs"] = None if lag is None else round(lag, 3)
        if loop is None:
            self.sdk["tasks"], self.sdk["pending"] = [], 0
        elif now >= self.next_tasks:
            self.next_tasks = now + SETTINGS["tasks_poll_s"]
            tasks = sdk_state.tasks(loop)
            sdk_state.note_tasks(tasks, mono)
            self.sdk["tasks"] = tasks
            self.sdk["pending"] = sum(1 for t in tasks if sdk_state.is_request(t))

    def _poll_wait(self, now, run):
        frame = sys._current_frames().get(self.main_ident)
        waiting = frame is not None and _waits_on_tinker(frame, self.sdk["pending"])
        if not waiting:
            self._end_wait()
            return
        cpu = _Clock(self.main_ident).read()
        if self.wait is None:
            self.wait = {"t0": now, "cpu0": cpu, "fact": None}
            return
        elapsed = now - self.wait["t0"]
        cpu0 = self.wait["cpu0"]
        idle = cpu is None or cpu0 is None or (cpu - cpu0) < 0.1 * max(elapsed, 1e-3)
        lag = self.sdk["lagMs"]
        healthy = self.sdk["loop"] is not None and (lag is None or lag < 500.0)
        if elapsed * 1000.0 < SETTINGS["wait_threshold_ms"]:
            return
        stack = cells.stack_fact(frame)
        cell_id, line = cells.locate(stack)
        fact = self.wait["fact"]
        if fact is None:
            fact = {
                "cellId": cell_id if cell_id is not None else run.get("cellId"),
                "line": line,
                "startedAt": round(time.time() - elapsed, 3),
                "ongoing": True,
                "stack": stack[-30:],
            }
            self.wait["fact"] = fact
            self.wait["sent"] = 0.0
            with _lock:
                _waits.append(fact)
        fact.update(
            durationMs=round(elapsed * 1000.0, 3),
            mainIdle=bool(idle),
            sdkLoopHealthy=bool(healthy),
            sdkLoopLagMs=lag,
            sdkPending=self.sdk["pending"],
        )
        if now - self.wait["sent"] >= SETTINGS["status_interval_s"]:
            self.wait["sent"] = now
            comm_channel.send_event(dict(fact, kind="wait"))

    def _end_wait(self):
        wait, self.wait = self.wait, None
        if wait is None or wait.get("fact") is None:
            return
        wait["fact"]["ongoing"] = False
        comm_channel.send_event(dict(wait["fact"], kind="wait"))

    def _status(self, run):
        frame = sys._current_frames().get(self.main_ident)
        tasks = self.sdk["tasks"]
        mono = time.monotonic()
        comm_channel.send_event(
            {
                "kind": "status",
                "cellId": run.get("cellId"),
                "at": time.time(),
                "runningMs": round((mono - run["startMono"]) * 1000.0, 3),
                "mainStack": cells.stack_fact(frame)[-20:] if frame else [],
                "sdk": {
                    "loopRunning": self.sdk["loop"] is not None,
                    "loopLagMs": self.sdk["lagMs"],
                    "pending": self.sdk["pending"],
                    "pendingTasks": sdk_state.task_facts(tasks[:20], mono, False),
                    "lastHeartbeatAgeS": sdk_state.heartbeat_age(tasks, mono),
                },
                "mode": self.mode,
            }
        )


_WAIT_FILES = ("concurrent/futures/_base.py", "threading.py", "/tinker/")


def _waits_on_tinker(frame, pending):
    """Whether the main thread sits in a wait on a Tinker future."""
    names = []
    f = frame
    depth = 0
    while f is not None and depth < 12:
        names.append((f.f_code.co_filename.replace("\\", "/"), f.f_code.co_name))
        f = f.f_back
        depth += 1
    if not names:
        return False
    top_file, top_fn = names[0]
    if not (top_file.endswith("threading.py") and top_fn == "wait") and not (
        top_file.endswith("_base.py") and top_fn in ("result", "wait")
    ):
        return False
    if any("/tinker/" in path for path, _ in names):
        return True
    # A plain concurrent.futures.Future from SamplingClient.sample(): count it
    # when Tinker requests are pending.
    in_future = any(path.endswith("concurrent/futures/_base.py") for path, _ in names)
    return in_future and pending > 0


def _thread_name(ident):
    for thread in threading.enumerate():
        if thread.ident == ident:
            return thread.name
    return "thread %#x" % (ident or 0)
