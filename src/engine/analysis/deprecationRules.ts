/**
 * TD107: APIs that the installed SDK (0.38 or later, from the facts)
 * deprecates — the `*_async` methods, a client-creation future used as the
 * client, `get_server_capabilities()` and `create_rest_client()` — each with
 * its replacement. Checked against tinker 0.38.0's `@deprecated` messages.
 */
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import { IProgramCell, Program } from './program';
import {
  baseMethod,
  FUTURE_METHODS,
  isDeprecatedAsync,
  STEP_METHODS,
  SYNC_METHODS,
  OTHER_TRAINING_METHODS,
  SAMPLE_METHODS,
  TRAINING_CREATORS
} from './sdk';
import { IOp } from './summary';

/** Find TD107 when the facts say the SDK is 0.38 or later. */
export function deprecationFindings(program: Program): IFinding[] {
  const style = program.style;
  if (style.source !== 'facts' || style.style !== 'new') {
    return [];
  }
  const findings: IFinding[] = [...Private.concurrentUses(program)];
  const futuresSeen = new Set<string>();
  for (const cell of program.cells) {
    for (const op of cell.summary.ops) {
      const found = Private.check(program, cell, op);
      if (found?.futureName) {
        // One finding per future used as a client: the first use.
        if (futuresSeen.has(found.futureName)) {
          continue;
        }
        futuresSeen.add(found.futureName);
      }
      if (found) {
        findings.push(
          makeFinding('TD107', {
            evidence: found.future
              ? `${op.receiver} holds the future returned by a ` +
                'client-creation call, not the client. Calling ' +
                `${op.method}() on it (cell ${cell.index}, line ${op.line}) ` +
                `is deprecated in tinker ${style.version}: the call first ` +
                'waits for the client.'
              : `${found.what} (cell ${cell.index}, line ${op.line}) is ` +
                `deprecated in tinker ${style.version}.`,
            fix: found.fix,
            severity: found.warning ? 'warning' : 'info',
            cellIndex: cell.index,
            cellId: cell.id,
            line: op.line
          })
        );
      }
    }
  }
  return findings;
}

namespace Private {
  /** Sampling futures used as `concurrent.futures.Future`s. */
  export function concurrentUses(program: Program): IFinding[] {
    const findings: IFinding[] = [];
    for (const cell of program.cells) {
      for (const scope of cell.summary.scopes) {
        for (const e of program.scopeEvents(cell, scope.id)) {
          if (e.kind !== 'concurrent' || e.family !== 'sample') {
            continue;
          }
          const on = e.op.receiver ?? `the future of ${e.method}()`;
          findings.push(
            makeFinding('TD107', {
              evidence:
                `${e.op.method}() is called on ${on} (cell ${cell.index}, ` +
                `line ${e.op.line}), a sampling future; its ` +
                'concurrent.futures methods are deprecated in tinker ' +
                `${program.style.version}.`,
              fix:
                `Call .future().${e.op.method}(...) for the ` +
                'concurrent.futures.Future, or await the sampling future.',
              cellIndex: cell.index,
              cellId: cell.id,
              line: e.op.line
            })
          );
        }
      }
    }
    return findings;
  }

  interface IDeprecation {
    what: string;
    fix: string;
    warning: boolean;
    /** The op uses a client-creation future as the client. */
    future?: boolean;
    /** For a client-creation future used as the client: its name. */
    futureName?: string;
  }

  const FUTURE_RETURNING = new Set([
    ...STEP_METHODS,
    ...SYNC_METHODS,
    ...OTHER_TRAINING_METHODS,
    ...SAMPLE_METHODS
  ]);

  const DISTINCTIVE = new Set([
    ...STEP_METHODS,
    ...SYNC_METHODS,
    ...OTHER_TRAINING_METHODS,
    ...TRAINING_CREATORS,
    'get_server_capabilities'
  ]);
  const CLIENTISH = /client|sampl|^tc$|trainer|svc|service|rest/i;

  /** Whether an `*_async` call is a Tinker call, as far as a reader can tell. */
  function tinkerish(op: IOp, known: boolean): boolean {
    return (
      known ||
      DISTINCTIVE.has(baseMethod(op.method)) ||
      (op.receiver !== null && CLIENTISH.test(op.receiver))
    );
  }

  function call(op: IOp, method: string): string {
    return op.receiver ? `${op.receiver}.${method}(...)` : `${method}(...)`;
  }

  /** The deprecation an op uses, if any. */
  export function check(
    program: Program,
    cell: IProgramCell,
    op: IOp
  ): IDeprecation | null {
    const scope = program.scopeOf(cell, op);
    const kind = program.kindAt(cell, op);
    if (isDeprecatedAsync(op.method) && tinkerish(op, kind !== null)) {
      const base = baseMethod(op.method);
      const plain = call(op, base);
      const fix = FUTURE_RETURNING.has(base)
        ? `Call ${plain} without await to submit (it returns a future at ` +
          'once) and await that future, or call .result() on it, where ' +
          `you need the result. Note that \`await ${plain}\` submits and ` +
          'waits in one go: keep the submission and the wait apart to keep ' +
          'the loop pipelined.'
        : `Use \`await ${plain}\` (or .result() on the future it returns).`;
      return { what: call(op, op.method), fix, warning: false };
    }
    if (
      op.method === 'get_server_capabilities' &&
      program.receiverKindAt(cell, op) !== 'rest'
    ) {
      return {
        what: call(op, op.method),
        fix:
          'Use tinker.RestClient().get_server_capabilities() and await its ' +
          'future or call .result() on it; it needs no ServiceClient.',
        warning: false
      };
    }
    if (op.method === 'create_rest_client') {
      return {
        what: call(op, op.method),
        fix: 'Create tinker.RestClient() directly.',
        warning: false
      };
    }
    if (kind?.endsWith('-future') && !FUTURE_METHODS.has(op.method)) {
      const inAsync = scope.isAsync;
      return {
        what: call(op, op.method),
        future: true,
        fix:
          `Get the client first: \`${op.receiver} = await ...\` or ` +
          `\`${op.receiver} = ....result()\` where it is created.` +
          (inAsync
            ? ' Here the call is in async code, where it blocks the ' +
              'event loop until the client exists.'
            : ''),
        warning: inAsync,
        futureName: op.receiver ?? undefined
      };
    }
    return null;
  }
}
