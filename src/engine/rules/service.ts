/**
 * Service availability from facts (TD300–TD306, TD308): the in-kernel smoke
 * test, long waits for client creation, and which backend the SDK talks to.
 * Errors printed in cell outputs and logs are the decoder's to read.
 */
import { IFacts, ISmokeCheck, ISmokeCreation } from '../facts';
import { HEARTBEAT_OVERDUE_S } from './live';
import { makeFinding } from '../catalogue';
import { IDiagnosisInput, IFinding, IRuleModule, IRuleResult } from '../types';
import {
  classifyServiceError,
  isCreationTimeout,
  redact
} from './serviceDecode';
import { creationWaits, CREATION_WAIT_MS } from './serviceCreation';
import { baseUrlFinding } from './serviceBaseUrl';
import { tinkerMissing } from './envRequirements';
import { describeLocation, ILocation, sentence } from './liveLocate';

/** A smoke-test round trip over this suggests the network (TD300). */
export const SLOW_ROUND_TRIP_MS = 2000;

/** A GIL hold this long can make requests time out (TD302 cross-check). */
export const STARVED_TIMEOUT_MS = 10_000;

/** Client creation that took this long, even if it worked, is TD306. */
export const SLOW_CREATION_S = 60;

/** The service rules. */
export const serviceRules: IRuleModule = {
  name: 'service',
  codes: [
    'TD300',
    'TD301',
    'TD302',
    'TD303',
    'TD304',
    'TD305',
    'TD306',
    'TD308'
  ],
  run: (input: IDiagnosisInput): IRuleResult => {
    const findings: IFinding[] = [];
    const notes: string[] = [];
    const checked: string[] = [];
    const base = baseUrlFinding(input);
    if (base) {
      findings.push(base);
    }
    const facts = input.facts;
    if (tinkerMissing(facts)) {
      notes.push('Service checks were skipped: tinker is not installed.');
      return { findings, checked, notes };
    }
    const smoke = facts?.checks?.smoke;
    const causes = new Map<string, string[]>();
    if (smoke && typeof smoke === 'object') {
      checked.push('smoke', 'status');
      findings.push(Private.td300(smoke));
      Private.decodeSmoke(smoke, causes, notes);
    }
    const waits = creationWaits(input).filter(
      w => w.durationMs === null || w.durationMs >= CREATION_WAIT_MS
    );
    if (waits.length || causes.has('TD306')) {
      const evidence = causes.get('TD306') ?? [];
      waits.forEach(w =>
        evidence.push(
          `${sentence(describeLocation(w.loc))} has waited` +
            (w.durationMs !== null
              ? ` ${Math.round(w.durationMs / 1000)} s`
              : '') +
            ' for a client to be created.'
        )
      );
      if (!causes.has('TD306')) {
        evidence.push(
          'A client that long in coming means the server is waiting for ' +
            'capacity for that model (or a concurrent-client limit).'
        );
      }
      causes.set('TD306', evidence);
    }
    const starved = causes.has('TD302') ? Private.starvation(facts) : null;
    if (starved) {
      causes.get('TD302')!.push(starved);
    }
    causes.forEach((lines, code) => {
      const loc: ILocation | null =
        code === 'TD306' && waits.length ? waits[0].loc : null;
      findings.push(
        makeFinding(code, {
          evidence: lines.join('\n'),
          cellIndex: loc?.cellIndex ?? null,
          cellId: loc?.cellId ?? null,
          line: loc?.line ?? null
        })
      );
    });
    return { findings, checked, notes };
  }
};

namespace Private {
  /** Why a timeout may be the client's own doing (TD302's cross-check). */
  export function starvation(facts: IFacts | undefined): string | null {
    const stalls = Array.isArray(facts?.stalls) ? facts!.stalls : [];
    const longest = Math.max(
      0,
      ...stalls.map(s => (typeof s?.durationMs === 'number' ? s.durationMs : 0))
    );
    const age = facts?.sdk?.lastHeartbeatAgeS;
    if (longest >= STARVED_TIMEOUT_MS) {
      return (
        'The main thread held the GIL for up to ' +
        `${(longest / 1000).toFixed(1)} s: the timeout may be a starved SDK ` +
        'loop (see TD120/TD121).'
      );
    }
    if (typeof age === 'number' && age >= HEARTBEAT_OVERDUE_S) {
      return (
        `The last successful heartbeat was ${Math.round(age)} s ago: check ` +
        'for a starved SDK loop (TD121) before blaming the server.'
      );
    }
    return null;
  }

  export function td300(smoke: ISmokeCheck): IFinding {
    const lines: string[] = [];
    const trip =
      typeof smoke.roundTripMs === 'number' ? smoke.roundTripMs : null;
    if (smoke.reachable === true) {
      lines.push(
        'The Tinker service answered' +
          (trip !== null ? ` in ${(trip / 1000).toFixed(2)} s` : '') +
          (typeof smoke.models === 'number'
            ? `, listing ${smoke.models} models`
            : '') +
          '.'
      );
    } else if (smoke.reachable === false) {
      lines.push('The Tinker service could not be reached.');
    }
    const creation = (smoke.creation ?? undefined) as
      ISmokeCreation | undefined;
    if (
      creation &&
      typeof creation === 'object' &&
      creation.attempted !== false
    ) {
      const seconds =
        typeof creation.seconds === 'number'
          ? `${creation.seconds.toFixed(1)} s`
          : null;
      const after = seconds ? ` after ${seconds}` : '';
      if (creation.ok) {
        const took = seconds ? ` in ${seconds}` : '';
        lines.push(`A training client was created${took}.`);
      } else if (creation.timedOut) {
        lines.push(`Creating a training client timed out${after}.`);
      } else {
        const error = creation.error
          ? `: ${redact(String(creation.error))}`
          : '.';
        lines.push(`Creating a training client failed${after}${error}`);
      }
    }
    if (typeof smoke.error === 'string' && smoke.error) {
      lines.push(`Error: ${redact(smoke.error)}`);
    }
    const slow = trip !== null && trip > SLOW_ROUND_TRIP_MS;
    if (slow) {
      lines.push('A round trip over 2 s suggests the network.');
    }
    return makeFinding('TD300', {
      evidence: lines.join('\n') || 'The smoke test ran.',
      severity: slow ? 'warning' : 'info',
      title:
        smoke.reachable === false
          ? 'Smoke test: service not reachable'
          : undefined
    });
  }

  /** Decode a failing smoke result into service codes with evidence. */
  export function decodeSmoke(
    smoke: ISmokeCheck,
    causes: Map<string, string[]>,
    notes: string[]
  ): void {
    const add = (code: string, line: string) => {
      causes.set(code, [...(causes.get(code) ?? []), line]);
    };
    const creation = (smoke.creation ?? undefined) as
      ISmokeCreation | undefined;
    const creationError =
      creation && typeof creation.error === 'string' ? creation.error : null;
    if (creation?.timedOut) {
      add(
        'TD306',
        'The smoke test reached the service' +
          (smoke.reachable ? '' : ' only partly') +
          ', but creating a training client timed out' +
          (typeof creation.seconds === 'number'
            ? ` after ${Math.round(creation.seconds)} s`
            : '') +
          ': the server is waiting for capacity for that model.'
      );
    } else if (
      creation &&
      creation.ok &&
      (creation.seconds ?? 0) >= SLOW_CREATION_S
    ) {
      add(
        'TD306',
        `Creating a training client took ${Math.round(creation.seconds!)} s.`
      );
    } else if (creationError) {
      decodeOne(creationError, 'Creating a training client failed', add, notes);
    }
    const error = typeof smoke.error === 'string' ? smoke.error : null;
    if (error && error !== creationError) {
      if (!creation && smoke.reachable === true && isCreationTimeout(error)) {
        add(
          'TD306',
          "The service answered, but the smoke test's training client was " +
            `not created: ${redact(error)}.`
        );
      } else if (!creation?.timedOut || !isCreationTimeout(error)) {
        decodeOne(error, 'The smoke test failed', add, notes);
      }
    } else if (!error && smoke.reachable === false) {
      add('TD301', 'The smoke test could not reach the service.');
    }
  }

  function decodeOne(
    error: string,
    what: string,
    add: (code: string, line: string) => void,
    notes: string[]
  ): void {
    const cause = classifyServiceError(error);
    if (cause) {
      add(cause.code, `${what}: ${redact(error)} (${cause.reason}).`);
    } else {
      notes.push(
        `${what} with an error that is not a service problem: ${redact(error)}.`
      );
    }
  }
}
