/**
 * Live behaviour (TD120–TD125): GIL holds, heartbeats, the SDK thread and
 * the main thread's waits, from the kernel agent's snapshot and watchdog.
 */
import { IFacts } from '../facts';
import { makeFinding } from '../catalogue';
import { IDiagnosisInput, IFinding, IRuleModule, IRuleResult } from '../types';
import {
  cumulativeFindings,
  gilHoldFindings,
  isGilHold,
  IStallOptions,
  starvedStall
} from './liveStalls';
import {
  deadLoopFinding,
  loopHealthy,
  pendingRequests,
  sdkBusyFinding,
  serverWaitFindings
} from './liveThreads';
import { tinkerMissing } from './envRequirements';
import { describeLocation, eventLocation, threadByRole } from './liveLocate';

/** The watchdog's default stall threshold (TRIAGE.md, TD120). */
export const DEFAULT_STALL_THRESHOLD_MS = 100;

/**
 * Seconds since the last successful heartbeat after which beats have been
 * missed: the SDK beats every 10 s with a 10 s timeout (SDK-NOTES §2).
 */
export const HEARTBEAT_OVERDUE_S = 25;

/** Make the live rules with a stall threshold other than the default. */
export function createLiveRules(
  options: Partial<IStallOptions> = {}
): IRuleModule {
  const resolved: IStallOptions = {
    stallThresholdMs: options.stallThresholdMs ?? DEFAULT_STALL_THRESHOLD_MS
  };
  return {
    name: 'live',
    codes: ['TD120', 'TD121', 'TD122', 'TD123', 'TD124', 'TD125'],
    run: input => Private.run(input, resolved)
  };
}

/** The live rules with the default stall threshold. */
export const liveRules: IRuleModule = createLiveRules();

namespace Private {
  export function run(
    input: IDiagnosisInput,
    options: IStallOptions
  ): IRuleResult {
    const facts = input.facts;
    if (!facts || !hasLiveFacts(facts)) {
      return { findings: [], checked: [] };
    }
    if (tinkerMissing(facts)) {
      return {
        findings: [],
        checked: [],
        notes: ['Live SDK checks were skipped: tinker is not installed.']
      };
    }
    const findings: IFinding[] = [];
    const notes: string[] = [];
    const holds = gilHoldFindings(input, options, sdkExisted(facts));
    findings.push(...holds.findings);
    notes.push(...holds.notes);
    const heartbeat = td121(input, facts);
    if (heartbeat) {
      findings.push(heartbeat);
    }
    const busy = sdkBusyFinding(input);
    if (busy) {
      findings.push(busy);
    }
    findings.push(...serverWaitFindings(input));
    const dead = deadLoopFinding(facts);
    if (dead) {
      findings.push(dead);
    } else if (facts.sdk?.threadAlive === false && !clientCount(facts)) {
      notes.push(
        'No SDK thread yet: it starts with the first Tinker client, so ' +
          'its absence is normal.'
      );
    }
    findings.push(
      ...cumulativeFindings(input, options, pendingRequests(facts).length > 0)
    );
    notes.push(...watchdogNotes(facts));
    return { findings, checked: ['live'], notes };
  }

  /** The watchdog's own failures: holds may have been missed. */
  function watchdogNotes(facts: IFacts): string[] {
    const watchdog = facts.watchdog as
      { errors?: unknown; lastError?: unknown } | undefined;
    const errors = watchdog?.errors;
    if (typeof errors !== 'number' || errors <= 0) {
      return [];
    }
    const last =
      typeof watchdog?.lastError === 'string' ? watchdog.lastError : '';
    return [
      `The watchdog failed on ${errors} tick${errors === 1 ? '' : 's'}` +
        (last ? ` (last: ${last.split('\n')[0]})` : '') +
        ': GIL holds may have been missed. Please report it with this note.'
    ];
  }

  function clientCount(facts: IFacts): number {
    return Array.isArray(facts.clients) ? facts.clients.length : 0;
  }

  function hasLiveFacts(facts: IFacts): boolean {
    return ['sdk', 'threads', 'stalls', 'waits', 'clients', 'cellRuns'].some(
      key => facts[key] !== undefined
    );
  }

  /** Whether the SDK's thread exists (or existed) to be starved. */
  function sdkExisted(facts: IFacts): boolean {
    return (
      facts.sdk?.threadAlive === true ||
      threadByRole(facts.threads, 'sdk') !== null ||
      clientCount(facts) > 0
    );
  }

  /** TD121: a hold of 20 s or more, or heartbeats overdue. */
  function td121(input: IDiagnosisInput, facts: IFacts): IFinding | null {
    const stall = starvedStall(input, sdkExisted(facts));
    const age = facts.sdk?.lastHeartbeatAgeS;
    const overdue = typeof age === 'number' && age >= HEARTBEAT_OVERDUE_S;
    if (!stall && !overdue) {
      return null;
    }
    const lines: string[] = [];
    if (stall) {
      const where = describeLocation(eventLocation(input, stall));
      lines.push(
        'The SDK loop had no chance to run for ' +
          `${(stall.durationMs / 1000).toFixed(1)} s` +
          (where ? ` (${where})` : '') +
          (isGilHold(stall)
            ? ': the main thread held the GIL.'
            : ': the main thread used little CPU (a busy machine).')
      );
    }
    if (overdue) {
      lines.push(
        `The last successful heartbeat was ${Math.round(age as number)} s ` +
          'ago (one is due every 10 s).'
      );
      if (!stall && loopHealthy(facts)) {
        lines.push(
          'No long GIL hold was recorded and the SDK loop responds, so the ' +
            'heartbeats are failing rather than starved: read the heartbeat ' +
            "warning's last exception (a connection error points to the " +
            'service path).'
        );
      }
    }
    return makeFinding('TD121', { evidence: lines.join('\n') });
  }
}
