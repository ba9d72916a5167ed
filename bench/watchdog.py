#!/usr/bin/env python
"""Benchmark the kernel agent's watchdog against the sleeping-thread baseline.

Loads the agent exactly as the extension ships it (the statement printed by
`node scripts/embed-agent.js --print`) into this process, then injects GIL
holds of known length on known lines of a "cell" (a C sort, a C sum over a
range, freeing a big list) between ordinary Python work, while the
baseline — a thread that sleeps 2 s and complains when it wakes more than
0.5 s late (the cookbook's detector) — runs beside it in the same run.

Measured:
- recall per hold length, smallest hold detected with >= 95% recall (ours
  and the baseline's);
- false alarms on a pure-Python CPU loop, alone and beside busy neighbour
  processes (one per CPU);
- exact-line attribution for holds >= 2x the stall threshold;
- overhead on a CPU-bound pure-Python loop and on a C-heavy loop (median of
  interleaved on/off pairs);
- lateness of an SDK-style asyncio loop thread, watchdog on vs off.

`--quick` runs a reduced version in under a minute. The last line is
`floor_ms=<ours> baseline_floor_ms=<theirs> exact_line=<pct> overhead_pct=<pct>`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CELL_FILE = "/tmp/ipykernel_bench/cell.py"
CELL_ID = "bench-cell"

# The "cell": each hold on its own known line.
CELL_SOURCE = """\
def hold_sort(pool, n):
    return sorted(pool[:n])
def hold_sum(n):
    return sum(range(n))
def hold_free(box):
    box.clear()
def python_work(ms):
    end = _perf() + ms / 1000.0
    n = 0
    while _perf() < end:
        n += 1
    return n
"""
LINES = {"sort": 2, "sum": 4, "free": 6}


def load_agent():
    """Install the agent in this process as the extension does."""
    code = subprocess.run(
        ["node", str(ROOT / "scripts" / "embed-agent.js"), "--print"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    exec(code, {"__name__": "__bench_inject__"})
    agent = sys.modules["_tinker_doctor"]
    return agent, sys.modules["_tinker_doctor.watchdog"], sys.modules["_tinker_doctor.cells"]


def load_cell(cells):
    """Compile the bench cell under a cell-like file name and map it."""
    namespace = {"_perf": time.perf_counter}
    exec(compile(CELL_SOURCE, CELL_FILE, "exec"), namespace)
    cells.remember_file(CELL_FILE, CELL_ID)
    return namespace


class Baseline:
    """The 2 s / 0.5 s sleeping-thread detector, recording its alarms."""

    def __init__(self, period=2.0, late=0.5):
        self.period, self.late = period, late
        self.alarms = []  # epoch at wake-up
        self.stopping = False
        self.thread = threading.Thread(target=self._run, daemon=True, name="baseline")

    def _run(self):
        while not self.stopping:
            start = time.perf_counter()
            time.sleep(self.period)
            if time.perf_counter() - start - self.period > self.late:
                self.alarms.append(time.time())

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping = True


class Holds:
    """Calibrated GIL holds of a requested length."""

    def __init__(self, ns):
        self.ns = ns
        self.pool = [random.random() for _ in range(2_000_000)]
        self.rate = {}
        self.calibrate()

    def _time(self, fn, *args):
        # Thread CPU time: what the hold costs, whatever the machine's load.
        t0 = time.thread_time()
        fn(*args)
        return time.thread_time() - t0

    def calibrate(self):
        ns = self.ns
        self.rate["sum"] = statistics.median(
            self._time(ns["hold_sum"], 4_000_000) for _ in range(5)
        ) / 4e6
        self.rate["sort"] = statistics.median(
            self._time(ns["hold_sort"], self.pool, 400_000) for _ in range(5)
        ) / 4e5
        rates = []
        for _ in range(3):
            box = [list(map(float, range(1_000_000)))]
            rates.append(self._time(ns["hold_free"], box) / 1e6)
        self.rate["free"] = statistics.median(rates)

    def prepare(self, kind, ms):
        """(callable, arg) that holds the GIL about `ms` on LINES[kind]."""
        n = max(1, int(ms / 1000.0 / self.rate[kind]))
        if kind == "sort":
            n = min(n, len(self.pool))
            return self.ns["hold_sort"], (self.pool, n)
        if kind == "sum":
            return self.ns["hold_sum"], (n,)
        return self.ns["hold_free"], ([list(map(float, range(n)))],)


def run_trials(holds, watchdog, baseline, plan, threshold_ms):
    """Run holds in random order; return per-trial results."""
    results = []
    random.shuffle(plan)
    work = holds.ns["python_work"]
    for ms, kind in plan:
        fn, args = holds.prepare(kind, ms)
        time.sleep(random.uniform(0.02, 0.05))  # setup holds get reported first
        work(random.uniform(2, 15))
        e0 = time.time()
        t0 = time.perf_counter()
        c0 = time.thread_time()
        fn(*args)
        actual = (time.perf_counter() - t0) * 1000.0
        cpu = (time.thread_time() - c0) * 1000.0
        e1 = time.time()
        ticks = watchdog.info().get("ticks", 0)
        work(random.uniform(2, 10))
        time.sleep(0.03)
        # On a loaded machine the watchdog may run late after the hold ends:
        # wait (up to 1 s) until it has ticked twice since.
        deadline = time.perf_counter() + 1.0
        while watchdog.info().get("ticks", 0) < ticks + 2 and time.perf_counter() < deadline:
            time.sleep(0.01)
        late = max(0.06, time.time() - e1)
        ours = [h for h in watchdog.recent_holds(e0) if h[0] <= e1 + late]
        theirs = [a for a in baseline.alarms if e0 <= a <= e1 + 0.1]
        line = ours[0][3] if ours else None
        results.append(
            {
                "target": ms,
                "kind": kind,
                "actual": actual,
                "cpu": cpu,
                "ours": bool(ours),
                "baseline": bool(theirs),
                "line_ok": bool(ours)
                and ours[0][2] == CELL_ID
                and line == LINES[kind],
                "reported_ms": ours[0][1] if ours else None,
                "reported": [(h[2], h[3], round(h[1], 1)) for h in ours],
            }
        )
        del args
    return results


def floor(results, key, ladder):
    """Smallest ladder step from which every longer step has >= 95% recall."""
    best = None
    for ms in sorted(ladder, reverse=True):
        rows = [r for r in results if r["target"] == ms]
        if not rows:
            continue
        recall = sum(r[key] for r in rows) / len(rows)
        if recall >= 0.95:
            best = ms
        else:
            break
    return best


def recall_table(results, ladder):
    rows = []
    for ms in sorted(ladder):
        sel = [r for r in results if r["target"] == ms]
        if sel:
            rows.append(
                (
                    ms,
                    len(sel),
                    statistics.median(r["actual"] for r in sel),
                    statistics.median(r["cpu"] for r in sel),
                    100.0 * sum(r["ours"] for r in sel) / len(sel),
                    100.0 * sum(r["baseline"] for r in sel) / len(sel),
                )
            )
    return rows


def false_alarms(watchdog, ns, seconds, neighbours=0):
    """Holds reported while the main thread runs a pure-Python loop."""
    procs = []
    for _ in range(neighbours):
        procs.append(
            subprocess.Popen([sys.executable, "-c", "while True: pass"])
        )
    try:
        time.sleep(0.2)
        e0 = time.time()
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            ns["python_work"](50)
        found = watchdog.recent_holds(e0)
        stalls = [s for s in watchdog.facts()["stalls"] if s["startedAt"] >= e0 - 1]
    finally:
        for p in procs:
            p.kill()
            p.wait()
    return found, stalls


def cpu_loop(seconds_hint):
    """A CPU-bound pure-Python loop of fixed work; returns wall seconds."""
    n = int(seconds_hint * 6_000_000)
    t0 = time.perf_counter()
    x = 0
    for i in range(n):
        x += i & 7
    return time.perf_counter() - t0


_C_POOL = [random.random() for _ in range(20_000)]


def c_loop(seconds_hint):
    """A C-heavy loop (sorts of 20k floats, ~1-2 ms each); wall seconds."""
    reps = int(seconds_hint * 400)
    t0 = time.perf_counter()
    for _ in range(reps):
        sorted(_C_POOL)
    return time.perf_counter() - t0


def overhead(watchdog, fn, pairs, seconds):
    """Median relative cost (%) over interleaved on/off pairs.

    Returns (wall slowdown of the loop, extra process CPU per loop), both as
    medians of per-pair percentages; the CPU figure is robust to other load.
    """
    walls, cpus = [], []
    watchdog.stop()
    fn(seconds / 4)  # warm up
    for _ in range(pairs):
        order = [True, False] if random.random() < 0.5 else [False, True]
        wall, cpu = {}, {}
        for on in order:
            if on:
                watchdog.start()
                time.sleep(0.02)
            c0 = time.process_time()
            wall[on] = fn(seconds)
            cpu[on] = time.process_time() - c0
            if on:
                watchdog.stop()
        walls.append((wall[True] - wall[False]) / wall[False] * 100.0)
        cpus.append((cpu[True] - cpu[False]) / cpu[False] * 100.0)
    return statistics.median(walls), statistics.median(cpus)


def watchdog_cpu_share(watchdog, seconds):
    """CPU used by the watchdog thread, % of one core (main idle, main busy)."""
    out = []
    for busy in (False, True):
        watchdog.stop()
        watchdog.start()
        time.sleep(0.05)
        thread = [t for t in threading.enumerate() if t.name == "tinker-doctor-watchdog"][0]
        clock = time.pthread_getcpuclockid(thread.ident)
        c0, t0 = time.clock_gettime(clock), time.perf_counter()
        if busy:
            cpu_loop(seconds)
        else:
            time.sleep(seconds)
        used = time.clock_gettime(clock) - c0
        out.append(100.0 * used / (time.perf_counter() - t0))
    return out


def sdk_loop_lateness(watchdog, ns, pairs, seconds):
    """Mean lateness of 10 ms sleeps on an asyncio loop thread, on vs off."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def measure(duration):
        lates = []
        end = time.perf_counter() + duration
        while time.perf_counter() < end:
            t0 = time.perf_counter()
            await asyncio.sleep(0.01)
            lates.append(time.perf_counter() - t0 - 0.01)
        return statistics.mean(lates)

    def mixed_work(duration):
        end = time.perf_counter() + duration
        while time.perf_counter() < end:
            ns["python_work"](3)
            sorted(_C_POOL)

    result = {True: [], False: []}
    watchdog.stop()
    for _ in range(pairs):
        order = [True, False] if random.random() < 0.5 else [False, True]
        for on in order:
            if on:
                watchdog.start()
            fut = asyncio.run_coroutine_threadsafe(measure(seconds), loop)
            mixed_work(seconds)
            result[on].append(fut.result())
            if on:
                watchdog.stop()
    loop.call_soon_threadsafe(loop.stop)
    thread.join(2)
    on = statistics.median(result[True])
    off = statistics.median(result[False])
    return on / off if off > 0 else float("nan"), on * 1000.0, off * 1000.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="reduced run, under a minute")
    parser.add_argument("--json", help="write all figures to this file")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--convoy-intervals",
        type=float,
        help="watchdog setting: switch intervals allowed behind pure Python (default 2)",
    )
    args = parser.parse_args(argv)
    random.seed(args.seed)
    quick = args.quick

    agent, watchdog, cells = load_agent()
    if args.convoy_intervals is not None:
        watchdog.SETTINGS["convoy_intervals"] = args.convoy_intervals
    ns = load_cell(cells)
    threshold = watchdog.SETTINGS["stall_threshold_ms"]
    watchdog.stop()
    holds = Holds(ns)
    watchdog.start()
    baseline = Baseline()
    baseline.start()
    time.sleep(0.1)
    figures = {
        "quick": quick,
        "thresholdMs": threshold,
        "holdFloorMs": watchdog.hold_floor_ms(),
        "convoyIntervals": watchdog.SETTINGS["convoy_intervals"],
        "loadAverageBefore": os.getloadavg(),
    }
    print("load average before: %.2f %.2f %.2f on %d CPUs" % (os.getloadavg() + (os.cpu_count(),)))
    info0 = watchdog.info()

    kinds = ["sort", "sum", "free"]
    small = [4, 6, 8, 10, 12, 15, 20, 30, 50]
    n_small = 8 if quick else 40
    big = [500, 1000, 2000, 2500, 3000] if not quick else [1000, 2500]
    n_big = 2 if quick else 8
    exact = [2 * threshold, 3 * threshold]
    n_exact = 10 if quick else 60

    t_start = time.perf_counter()
    plan = [(ms, random.choice(kinds)) for ms in small for _ in range(n_small)]
    plan += [(ms, "sum") for ms in big for _ in range(n_big)]
    plan += [(ms, random.choice(kinds)) for ms in exact for _ in range(n_exact // 2)]
    results = run_trials(holds, watchdog, baseline, plan, threshold)
    figures["trialsS"] = round(time.perf_counter() - t_start, 1)
    ladder = sorted(set(small + big + exact))
    table = recall_table(results, ladder)
    print("hold_ms  n  median_wall_ms  median_cpu_ms  ours_recall%  baseline_recall%")
    for ms, n, act, cpu, ours, theirs in table:
        print("%7g %3d %14.1f %14.1f %13.1f %17.1f" % (ms, n, act, cpu, ours, theirs))
    ours_floor = floor(results, "ours", ladder)
    base_floor = floor(results, "baseline", ladder)
    long_rows = [r for r in results if r["target"] >= 2 * threshold and r["ours"]]
    all_long = [r for r in results if r["target"] >= 2 * threshold]
    exact_pct = 100.0 * sum(r["line_ok"] for r in long_rows) / max(1, len(all_long))
    detected = [r for r in results if r["ours"]]
    figures.update(
        floorMs=ours_floor,
        baselineFloorMs=base_floor,
        exactLinePct=round(exact_pct, 2),
        exactLineN=len(all_long),
        exactLineAllDetectedPct=round(
            100.0 * sum(r["line_ok"] for r in detected) / max(1, len(detected)), 2
        ),
        exactLineMisses=[
            {"kind": r["kind"], "targetMs": r["target"], "reported": r["reported"]}
            for r in all_long
            if not r["line_ok"]
        ][:20],
        recall=[
            dict(zip(("holdMs", "n", "medianWallMs", "medianCpuMs", "oursPct", "baselinePct"), row))
            for row in table
        ],
    )
    baseline.stop()

    fa_seconds = 4 if quick else 60
    alone, stalls_alone = false_alarms(watchdog, ns, fa_seconds)
    ncpu = os.cpu_count() or 2
    crowd, stalls_crowd = false_alarms(watchdog, ns, fa_seconds, neighbours=ncpu)
    figures.update(
        falseAlarmSeconds=fa_seconds,
        falseHoldsPureLoop=len(alone),
        falseStallsPureLoop=len(stalls_alone),
        falseHoldsWithNeighbours=len(crowd),
        falseStallsWithNeighbours=len(stalls_crowd),
        neighbours=ncpu,
        falseHoldsPer10Min=round((len(alone) + len(crowd)) * 600.0 / (2 * fa_seconds), 1),
    )
    print(
        "false alarms over %ss pure-Python loop: %d holds (%d stalls); with %d busy"
        " neighbours: %d holds (%d stalls)"
        % (fa_seconds, len(alone), len(stalls_alone), ncpu, len(crowd), len(stalls_crowd))
    )

    info1 = watchdog.info()
    ticks = info1["ticks"] - info0.get("ticks", 0)
    figures["tickCostUs"] = round(
        (info1["busyMs"] - info0.get("busyMs", 0)) * 1000.0 / max(1, ticks), 2
    )

    pairs = 10 if quick else 30
    seconds = 0.12 if quick else 0.3
    cpu_pct, cpu_cpu = overhead(watchdog, cpu_loop, pairs, seconds)
    c_pct, c_cpu = overhead(watchdog, c_loop, pairs, seconds)
    share = watchdog_cpu_share(watchdog, 2.0 if quick else 5.0)
    ratio, late_on, late_off = sdk_loop_lateness(
        watchdog, ns, 3 if quick else 10, 0.5 if quick else 1.5
    )
    figures.update(
        overheadCpuPct=round(cpu_pct, 3),
        overheadCPct=round(c_pct, 3),
        overheadPairs=pairs,
        overheadCpuLoopProcessCpuPct=round(cpu_cpu, 3),
        overheadCLoopProcessCpuPct=round(c_cpu, 3),
        watchdogCpuPctIdle=round(share[0], 3),
        watchdogCpuPctBusy=round(share[1], 3),
        sdkLoopLatenessOnMs=round(late_on, 3),
        sdkLoopLatenessOffMs=round(late_off, 3),
        sdkLoopLatenessRatio=round(ratio, 3),
    )
    print(
        "overhead: cpu-bound %.2f%%, C-heavy %.2f%% (median of %d pairs); "
        "SDK-style loop lateness on/off %.3f/%.3f ms, ratio %.3f; tick cost %.1f us"
        % (cpu_pct, c_pct, pairs, late_on, late_off, ratio, figures["tickCostUs"])
    )
    print(
        "process CPU added: cpu-bound %.2f%%, C-heavy %.2f%%; watchdog thread CPU:"
        " %.2f%% of a core with the main thread idle, %.2f%% with it busy"
        % (cpu_cpu, c_cpu, share[0], share[1])
    )
    print(
        "ours: floor %s ms, exact line %.1f%% of %d holds >= %g ms; baseline floor %s ms"
        % (ours_floor, exact_pct, len(all_long), 2 * threshold, base_floor)
    )
    figures["loadAverageAfter"] = os.getloadavg()
    print("load average after: %.2f %.2f %.2f" % os.getloadavg())
    agent.uninstall()
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    print(
        "floor_ms=%s baseline_floor_ms=%s exact_line=%.1f overhead_pct=%.2f"
        % (
            ours_floor if ours_floor is not None else "none",
            base_floor if base_floor is not None else "none",
            exact_pct,
            cpu_pct,
        )
    )


if __name__ == "__main__":
    main()
