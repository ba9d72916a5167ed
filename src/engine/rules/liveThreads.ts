/**
 * The SDK thread and the main thread's waits (TD122, TD123, TD124), from the
 * agent's snapshot: thread stacks, the SDK loop's state and pending tasks,
 * the clients in the namespace, and the long waits the watchdog reported.
 */
import { IFacts, IFrame, IPendingTask, IThreadFact } from '../facts';
import { makeFinding } from '../catalogue';
import { IDiagnosisInput, IFinding } from '../types';
import { compareVersions } from '../pep440';
import { validStalls } from './liveStalls';
import {
  cellFrame,
  describeFrame,
  describeLocation,
  sentence,
  eventLocation,
  threadByRole
} from './liveLocate';

/** A no-op on the SDK loop running this late means the loop is blocked. */
export const LOOP_LAG_BUSY_MS = 1000;

/** A wait on a Tinker future this long is "long" (TD123). */
export const LONG_WAIT_MS = 10_000;

/** Coroutines that always run on the SDK loop and are not requests. */
const HOUSEKEEPING = /heartbeat|telemetry|dynamic_?config|refresh|_watch/i;

/** Files of serialization: pydantic, the SDK's compat layer, json, protobuf. */
const SERIALIZING_FILE = new RegExp(
  [
    '[\\\\/](pydantic|pydantic_core|orjson|json|msgpack)[\\\\/]',
    '[\\\\/]google[\\\\/]protobuf[\\\\/]',
    '[\\\\/]tinker[\\\\/]_compat\\.py$'
  ].join('|')
);

/** Functions that serialize, wherever they live. */
const SERIALIZING_FUNCTION = new RegExp(
  '^(' +
    [
      'model_dump(_json)?',
      'dump_python',
      'dump_json',
      'to_jsonable_python',
      'dumps?',
      '_?serialize\\w*',
      'SerializeToString',
      'to_json',
      'encode'
    ].join('|') +
    ')$'
);

/** Requests pending on the SDK loop now (not heartbeats and the like). */
export function pendingRequests(facts: IFacts): IPendingTask[] {
  const tasks = facts.sdk?.pendingTasks;
  return (Array.isArray(tasks) ? tasks : []).filter(
    t => t && !HOUSEKEEPING.test(`${t.coroutine ?? ''} ${t.name ?? ''}`)
  );
}

/** Whether the main thread is idle (waiting, not computing). */
export function mainIdle(facts: IFacts): boolean {
  const main = threadByRole(facts.threads, 'main');
  return main?.state === 'waiting';
}

/** Whether the SDK thread's stack sits in serialization. */
export function serializingFrames(sdk: IThreadFact | null): IFrame[] {
  if (!sdk || sdk.state === 'waiting' || !Array.isArray(sdk.stack)) {
    return [];
  }
  return sdk.stack.filter(
    f =>
      f &&
      (SERIALIZING_FILE.test(f.file ?? '') ||
        SERIALIZING_FUNCTION.test(f.function ?? ''))
  );
}

/** TD122: the SDK thread is busy with its own work. */
export function sdkBusyFinding(input: IDiagnosisInput): IFinding | null {
  const facts = input.facts!;
  const sdkThread = threadByRole(facts.threads, 'sdk');
  const lag = facts.sdk?.loopLagMs;
  // A snapshot can catch a healthy loop mid-serialization: only a late
  // loop (or one whose lag was not measured) counts as busy.
  const responsive = typeof lag === 'number' && lag < LOOP_LAG_BUSY_MS;
  const frames = responsive ? [] : serializingFrames(sdkThread);
  const ongoingStall = validStalls(input).some(s => s.ongoing === true);
  const lagging =
    typeof lag === 'number' &&
    lag >= LOOP_LAG_BUSY_MS &&
    mainIdle(facts) &&
    !ongoingStall;
  if (!frames.length && !lagging) {
    return null;
  }
  const lines: string[] = [];
  if (frames.length) {
    lines.push(
      'The SDK thread is serializing: ' +
        frames.map(describeFrame).join(' → ') +
        '.'
    );
  }
  if (typeof lag === 'number') {
    lines.push(`A no-op on the SDK loop ran ${Private.seconds(lag)} late.`);
  }
  if (mainIdle(facts)) {
    lines.push('The main thread is idle, so this is not GIL contention.');
  }
  const pydantic = facts.packages?.pydantic;
  if (typeof pydantic === 'string' && Private.isTd101(pydantic)) {
    lines.push(`With pydantic ${pydantic} installed this is TD101.`);
  }
  const main = threadByRole(facts.threads, 'main');
  const waiting = main ? cellFrame(input, main.stack) : null;
  if (waiting && describeLocation(waiting)) {
    lines.push(`Waiting on it: ${describeLocation(waiting)}.`);
  }
  return makeFinding('TD122', { evidence: lines.join('\n') });
}

/** Whether the snapshot says the SDK loop is healthy (or does not say). */
export function loopHealthy(facts: IFacts): boolean {
  const sdk = facts.sdk;
  if (!sdk) {
    return true;
  }
  if (sdk.threadAlive === false || sdk.loopRunning === false) {
    return false;
  }
  const lag = sdk.loopLagMs;
  return !(typeof lag === 'number' && lag >= LOOP_LAG_BUSY_MS);
}

/** TD123: long waits with the main thread idle and the SDK loop healthy. */
export function serverWaitFindings(input: IDiagnosisInput): IFinding[] {
  const facts = input.facts!;
  if (
    !loopHealthy(facts) ||
    serializingFrames(threadByRole(facts.threads, 'sdk')).length
  ) {
    return [];
  }
  const findings: IFinding[] = [];
  const waits = Array.isArray(facts.waits) ? facts.waits : [];
  for (const wait of waits) {
    if (!wait || wait.mainIdle !== true || wait.sdkLoopHealthy !== true) {
      continue;
    }
    const duration =
      typeof wait.durationMs === 'number' ? wait.durationMs : null;
    if (duration !== null && duration < LONG_WAIT_MS) {
      continue;
    }
    const loc = eventLocation(input, wait);
    findings.push(
      makeFinding('TD123', {
        evidence:
          `${sentence(describeLocation(loc)) || 'A cell'} has waited on a ` +
          'Tinker ' +
          'future' +
          (duration !== null ? ` for ${Private.seconds(duration)}` : '') +
          ' ' +
          'with the main thread idle and the SDK loop healthy and polling.',
        cellIndex: loc.cellIndex,
        cellId: loc.cellId,
        line: loc.line
      })
    );
  }
  if (findings.length) {
    return findings;
  }
  const fromStack = Private.waitingInResult(input);
  return fromStack ? [fromStack] : [];
}

/** TD124: clients exist but the SDK thread or its loop is gone. */
export function deadLoopFinding(facts: IFacts): IFinding | null {
  const clients = Array.isArray(facts.clients) ? facts.clients : [];
  if (!clients.length) {
    return null;
  }
  const sdk = facts.sdk;
  const threads = Array.isArray(facts.threads) ? facts.threads : [];
  let reason: string | null = null;
  if (sdk?.threadAlive === false) {
    reason = "the SDK's background thread is not alive";
  } else if (sdk?.loopRunning === false) {
    reason = "the SDK's event loop is not running";
  } else if (
    sdk?.threadAlive === undefined &&
    threadByRole(threads, 'main') &&
    !threadByRole(threads, 'sdk')
  ) {
    reason = 'no SDK thread (_background_thread_func) is among the threads';
  }
  if (!reason) {
    return null;
  }
  const names = clients
    .map(c => `${c?.kind ?? 'client'}${c?.variable ? ` ${c.variable}` : ''}`)
    .join(', ');
  return makeFinding('TD124', {
    evidence:
      `Clients in the namespace (${names}), but ${reason}: their futures ` +
      'will never resolve.'
  });
}

namespace Private {
  export function seconds(ms: number): string {
    return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
  }

  export function isTd101(version: string): boolean {
    const low = compareVersions(version, '2.13.0b1');
    const high = compareVersions(version, '2.13.0');
    return low !== null && high !== null && low >= 0 && high < 0;
  }

  /**
   * The main thread waits in a future's `result` while Tinker requests have
   * been pending long on a healthy loop: TD123 at the waiting cell.
   */
  export function waitingInResult(input: IDiagnosisInput): IFinding | null {
    const facts = input.facts!;
    const main = threadByRole(facts.threads, 'main');
    if (!main || main.state !== 'waiting' || !Array.isArray(main.stack)) {
      return null;
    }
    const inResult = main.stack.some(
      f => f && /^(result|_result_async|result_async)$/.test(f.function ?? '')
    );
    const requests = pendingRequests(facts).filter(
      t => typeof t.ageS !== 'number' || t.ageS * 1000 >= LONG_WAIT_MS
    );
    const loc = cellFrame(input, main.stack);
    if (!inResult || !requests.length || !loc) {
      return null;
    }
    const oldest = Math.max(...requests.map(t => t.ageS ?? 0));
    return makeFinding('TD123', {
      evidence:
        `${sentence(describeLocation(loc))} waits in a future's result() ` +
        'while ' +
        `${requests.length} Tinker request(s) are pending on a healthy SDK ` +
        `loop${oldest ? ` (oldest ${seconds(oldest * 1000)})` : ''}.`,
      cellIndex: loc.cellIndex,
      cellId: loc.cellId,
      line: loc.line
    });
  }
}
