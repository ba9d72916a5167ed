/**
 * GIL holds seen by the watchdog (TD120, TD121, TD125).
 *
 * A stall is a time the watchdog woke late. When the main thread used about
 * as much CPU as the stall lasted, it held the GIL and the SDK thread could
 * not run; when it used little CPU, the machine was busy and that is not GIL
 * contention (reported in the notes, never as TD120).
 */
import { IStallFact } from '../facts';
import { makeFinding } from '../catalogue';
import { IDiagnosisInput, IFinding } from '../types';
import {
  describeFrame,
  describeLocation,
  eventLocation,
  ILocation,
  locate,
  locationKey
} from './liveLocate';

/** Thresholds of the stall rules. */
export interface IStallOptions {
  /** A GIL hold this long is TD120 (the watchdog's default is 100 ms). */
  stallThresholdMs: number;
}

/** A hold of 10 s or more skips a heartbeat: TD120 becomes an error. */
export const STALL_ERROR_MS = 10_000;

/** A hold this long leaves the SDK loop no chance to beat: TD121. */
export const STARVATION_MS = 20_000;

/** The share of a stall the main thread must spend on CPU to hold the GIL. */
export const GIL_CPU_SHARE = 0.5;

/** TD125: starved for more than this share of a cell's run. */
export const STARVED_SHARE = 0.25;

/** Whether a stall was a GIL hold (unknown CPU counts as a hold). */
export function isGilHold(stall: IStallFact): boolean {
  if (typeof stall.mainCpuMs !== 'number') {
    return true;
  }
  return stall.mainCpuMs >= GIL_CPU_SHARE * stall.durationMs;
}

/** The stalls that are well-formed (a finite, non-negative duration). */
export function validStalls(input: IDiagnosisInput): IStallFact[] {
  const stalls = input.facts?.stalls;
  return (Array.isArray(stalls) ? stalls : []).filter(
    s =>
      s &&
      typeof s.durationMs === 'number' &&
      Number.isFinite(s.durationMs) &&
      s.durationMs >= 0
  );
}

/** TD120: GIL holds at or over the threshold, one finding per cell line. */
export function gilHoldFindings(
  input: IDiagnosisInput,
  options: IStallOptions,
  sdkExisted: boolean
): { findings: IFinding[]; notes: string[] } {
  const notes: string[] = [];
  const long = validStalls(input).filter(
    s => s.durationMs >= options.stallThresholdMs
  );
  const busy = long.filter(s => !isGilHold(s));
  if (busy.length) {
    notes.push(
      `${busy.length} pause(s) of ${options.stallThresholdMs} ms or more ` +
        'in which the main thread used little CPU: the machine was busy; ' +
        'that is not GIL contention.'
    );
  }
  const gil = long.filter(isGilHold);
  const holds = gil.filter(s => duringSdk(s, sdkExisted));
  if (holds.length < gil.length) {
    notes.push(
      `${gil.length - holds.length} GIL hold(s) of ` +
        `${options.stallThresholdMs} ms or more came before the SDK's ` +
        'thread existed (for example while importing): nothing to starve ' +
        'then, so not TD120.'
    );
  }
  const groups = new Map<string, { loc: ILocation; stalls: IStallFact[] }>();
  for (const stall of holds) {
    const loc = eventLocation(input, stall);
    const key = locationKey(loc);
    const group = groups.get(key) ?? { loc, stalls: [] };
    group.stalls.push(stall);
    groups.set(key, group);
  }
  const findings = Array.from(groups.values()).map(({ loc, stalls }) =>
    Private.td120(loc, stalls)
  );
  return { findings, notes };
}

/**
 * Whether a hold could starve the SDK: its thread was running then (the
 * agent says so per stall) or requests were pending; a stall without that
 * field falls back to whether the SDK thread exists now.
 */
function duringSdk(stall: IStallFact, sdkExisted: boolean): boolean {
  if ((stall.sdkPending ?? 0) > 0) {
    return true;
  }
  return typeof stall.sdkThread === 'boolean' ? stall.sdkThread : sdkExisted;
}

/**
 * TD121 from starvation: the longest hold long enough to miss heartbeats,
 * among those made while the SDK thread existed.
 */
export function starvedStall(
  input: IDiagnosisInput,
  sdkExisted: boolean
): IStallFact | null {
  const long = validStalls(input).filter(
    s => s.durationMs >= STARVATION_MS && duringSdk(s, sdkExisted)
  );
  long.sort((a, b) => b.durationMs - a.durationMs);
  return long[0] ?? null;
}

/**
 * TD125: per cell run, the short GIL holds (each under the TD120 threshold)
 * made while Tinker requests were pending, when they add up to more than a
 * quarter of the run.
 */
export function cumulativeFindings(
  input: IDiagnosisInput,
  options: IStallOptions,
  requestsPendingNow: boolean
): IFinding[] {
  const runs = input.facts?.cellRuns;
  const findings: IFinding[] = [];
  const short = validStalls(input).filter(
    s =>
      s.durationMs < options.stallThresholdMs &&
      isGilHold(s) &&
      (typeof s.sdkPending === 'number' ? s.sdkPending > 0 : requestsPendingNow)
  );
  for (const run of Array.isArray(runs) ? runs : []) {
    if (!run || typeof run.durationMs !== 'number' || run.durationMs <= 0) {
      continue;
    }
    const runLoc = locate(input, run);
    const inRun = short.filter(s => Private.inRun(input, s, run, runLoc));
    const held = inRun.reduce((sum, s) => sum + s.durationMs, 0);
    const share = held / run.durationMs;
    if (share <= STARVED_SHARE) {
      continue;
    }
    const line = Private.commonLine(input, inRun);
    findings.push(
      makeFinding('TD125', {
        evidence:
          `${inRun.length} GIL holds of ${Private.ms(
            Math.min(...inRun.map(s => s.durationMs))
          )}–${Private.ms(Math.max(...inRun.map(s => s.durationMs)))} ` +
          `(each under the ${options.stallThresholdMs} ms threshold) add ` +
          `up to ${Private.ms(held)} of the cell's ` +
          `${Private.ms(run.durationMs)} run (${Math.round(share * 100)}%) ` +
          'while Tinker requests were ' +
          'pending: the SDK thread was starved for that long.',
        cellIndex: runLoc.cellIndex,
        cellId: runLoc.cellId,
        line
      })
    );
  }
  return findings;
}

namespace Private {
  export function ms(value: number): string {
    return value >= 1000
      ? `${(value / 1000).toFixed(1)} s`
      : `${Math.round(value)} ms`;
  }

  export function td120(loc: ILocation, stalls: IStallFact[]): IFinding {
    const longest = stalls.reduce((a, b) =>
      b.durationMs > a.durationMs ? b : a
    );
    const where = describeLocation(loc) || 'an unknown cell';
    const lines = [
      stalls.length === 1
        ? `The main thread held the GIL for ${ms(longest.durationMs)} ` +
          `at ${where}` +
          (longest.ongoing ? ' and is still holding it.' : '.')
        : `The main thread held the GIL ${stalls.length} times at ${where}, ` +
          `up to ${ms(longest.durationMs)}.`
    ];
    if (typeof longest.mainCpuMs === 'number') {
      lines.push(
        `Main-thread CPU during the longest hold: ${ms(longest.mainCpuMs)}.`
      );
    } else {
      lines.push('Main-thread CPU was not measured: taken as a GIL hold.');
    }
    const spent = spentIn(longest);
    if (spent) {
      lines.push(`It spent its time in ${spent}.`);
    }
    if (typeof longest.sdkPending === 'number') {
      lines.push(`Tinker requests pending meanwhile: ${longest.sdkPending}.`);
    }
    if (longest.durationMs >= STALL_ERROR_MS) {
      lines.push('A hold of 10 s or more makes the SDK miss a heartbeat.');
    }
    return makeFinding('TD120', {
      severity: longest.durationMs >= STALL_ERROR_MS ? 'error' : 'warning',
      evidence: lines.join('\n'),
      cellIndex: loc.cellIndex,
      cellId: loc.cellId,
      line: loc.line
    });
  }

  /** The innermost frame outside the notebook's cells, if any. */
  function spentIn(stall: IStallFact): string | null {
    const stack = Array.isArray(stall.stack) ? stall.stack : [];
    const inner = stack[stack.length - 1];
    if (!inner || inner.cellIndex != null || inner.cellId) {
      return null;
    }
    return describeFrame(inner);
  }

  export function inRun(
    input: IDiagnosisInput,
    stall: IStallFact,
    run: { startedAt?: number; durationMs?: number },
    runLoc: ILocation
  ): boolean {
    if (
      typeof stall.startedAt === 'number' &&
      typeof run.startedAt === 'number'
    ) {
      const end = run.startedAt + (run.durationMs ?? 0) / 1000;
      return stall.startedAt >= run.startedAt && stall.startedAt <= end;
    }
    const loc = eventLocation(input, stall);
    if (runLoc.cellIndex !== null && loc.cellIndex !== null) {
      return runLoc.cellIndex === loc.cellIndex;
    }
    return runLoc.cellId !== null && runLoc.cellId === loc.cellId;
  }

  /** The line most of the holds were on. */
  export function commonLine(
    input: IDiagnosisInput,
    stalls: IStallFact[]
  ): number | null {
    const counts = new Map<number, number>();
    stalls.forEach(s => {
      const line = eventLocation(input, s).line;
      if (line !== null) {
        counts.set(line, (counts.get(line) ?? 0) + 1);
      }
    });
    let best: number | null = null;
    counts.forEach((count, line) => {
      if (best === null || count > (counts.get(best) ?? 0)) {
        best = line;
      }
    });
    return best;
  }
}
