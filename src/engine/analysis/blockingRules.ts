/**
 * Blocking Tinker calls where blocking hurts: inside `async def` (TD113,
 * the kernel's event loop stops) and inside done-callbacks, which run on
 * the SDK's own thread (TD114, the thread waits for itself).
 */
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import { IProgramCell, Program } from './program';
import {
  baseMethod,
  CONSTRUCTORS,
  describeStyle,
  FUTURE_METHODS,
  SYNC_ONLY_NEW,
  SYNC_ONLY_OLD,
  TRAINING_CREATORS
} from './sdk';
import { IOp, IScope } from './summary';

/** Find TD113 and TD114. */
export function blockingFindings(program: Program): IFinding[] {
  const findings: IFinding[] = [];
  const callbacks = Private.callbackScopes(program);
  const isCallback = (cell: IProgramCell, scope: IScope) =>
    callbacks.has(`${cell.index}:${scope.id}`);
  for (const cell of program.cells) {
    for (const scope of cell.summary.scopes) {
      if (isCallback(cell, scope)) {
        findings.push(...Private.inCallback(program, cell, scope));
      } else if (scope.isAsync) {
        findings.push(...Private.inAsync(program, cell, scope));
      }
    }
  }
  return findings;
}

namespace Private {
  /**
   * Scopes that run on the SDK thread, as `cell:scope` keys: functions and
   * lambdas passed to `add_done_callback`, and `on_queue_state_change`
   * overrides (the SDK calls its queue-state observers from its loop).
   */
  export function callbackScopes(program: Program): Set<string> {
    const keys = new Set<string>();
    for (const cell of program.cells) {
      for (const scope of cell.summary.scopes) {
        if (
          scope.shortName === 'on_queue_state_change' &&
          scope.name !== scope.shortName
        ) {
          keys.add(`${cell.index}:${scope.id}`);
        }
      }
      for (const op of cell.summary.ops) {
        if (op.method !== 'add_done_callback') {
          continue;
        }
        op.argLambdas.forEach(id => keys.add(`${cell.index}:${id}`));
        for (const name of op.argNames) {
          const fn = program.functions.get(name);
          if (fn) {
            keys.add(`${fn.cell.index}:${fn.scope.id}`);
          }
        }
      }
    }
    return keys;
  }

  /** Why an op blocks, and its awaitable form for async code. */
  interface IBlock {
    why: string;
    awaitable: string;
  }

  /**
   * Why an op blocks, or null. `creation` counts client and session
   * creation, which the SDK refuses on its own thread.
   */
  function blocks(
    program: Program,
    cell: IProgramCell,
    scope: IScope,
    op: IOp,
    creation: boolean
  ): IBlock | null {
    if (op.awaited) {
      return null;
    }
    const base = baseMethod(op.method);
    if (base !== op.method) {
      return null;
    }
    const kind = program.kindAt(cell, op);
    if (op.method === 'result') {
      if (scope.isLambda || !scope.isAsync) {
        // A done-callback's own future has finished: reading it is fine.
        if (op.receiver !== null && op.receiver === scope.params[0]) {
          return null;
        }
      }
      const waited = program
        .scopeEvents(cell, scope.id)
        .some(e => e.kind === 'wait' && e.op === op);
      if (waited || kind?.endsWith('-future')) {
        const on = op.receiver ?? 'the future';
        return {
          why: '.result() waits for a Tinker future',
          awaitable: `\`await ${on}\` (or \`await ${on}.result_async()\`)`
        };
      }
      return null;
    }
    if (
      creation &&
      (CONSTRUCTORS[op.method] !== undefined ||
        TRAINING_CREATORS.has(op.method) ||
        op.method === 'create_sampling_client' ||
        op.method === 'create_rest_client')
    ) {
      return {
        why: `${op.method}() creates a client or session`,
        awaitable: `\`await\` the creation`
      };
    }
    // With the version unknown, a call that blocks in either version counts:
    // before 0.38 the creators and get_info() wait for the server; from 0.38
    // the creators return a future whose client methods wait for it.
    const unknown = program.style.source === 'default';
    const syncOnly =
      program.style.style === 'old' || unknown ? SYNC_ONLY_OLD : SYNC_ONLY_NEW;
    const tinkerish =
      kind !== null || (op.method !== 'get_info' && op.receiver !== null);
    // RestClient.get_server_capabilities() returns a future: not blocking.
    const restFuture =
      op.method === 'get_server_capabilities' &&
      program.receiverKindAt(cell, op) === 'rest';
    if (syncOnly.has(op.method) && tinkerish && !restFuture) {
      const call = `${op.receiver ?? ''}${op.receiver ? '.' : ''}${op.method}`;
      const eitherVersion = unknown && !SYNC_ONLY_NEW.has(op.method);
      return {
        why: eitherVersion
          ? `${op.method}() waits for the server before tinker 0.38, and ` +
            'from 0.38 a client method called on the future a creation ' +
            'returns waits for the client'
          : `${op.method}() is synchronous and waits for the server`,
        awaitable:
          op.method === 'get_server_capabilities'
            ? '`await tinker.RestClient().get_server_capabilities()`'
            : eitherVersion
              ? `\`await ${call}_async(...)\` before tinker 0.38; from ` +
                '0.38 await the client creation (`tc = await ' +
                'sc.create_lora_training_client(...)`) and call the ' +
                "client's methods on the awaited client"
              : `\`await ${call}_async(...)\` before tinker 0.38, ` +
                `\`await ${call}(...)\` from 0.38`
      };
    }
    if (kind?.endsWith('-future') && !FUTURE_METHODS.has(op.method)) {
      return {
        why:
          `${op.receiver} is the future of a client, so ${op.method}() ` +
          'first waits for the client to exist',
        awaitable: `\`${op.receiver} = await ...\` where it is created`
      };
    }
    return null;
  }

  function label(cell: IProgramCell, scope: IScope): string {
    const name = scope.isLambda ? 'a lambda' : `${scope.name}()`;
    return `${name} (cell ${cell.index}, line ${scope.line})`;
  }

  /** TD113 for one `async def`. */
  export function inAsync(
    program: Program,
    cell: IProgramCell,
    scope: IScope
  ): IFinding[] {
    const findings: IFinding[] = [];
    for (const op of cell.summary.scopeOps[scope.id]) {
      const block = blocks(program, cell, scope, op, false);
      if (block) {
        findings.push(
          makeFinding('TD113', {
            evidence:
              `In async def ${label(cell, scope)}, line ${op.line}: ` +
              `${block.why}, blocking the kernel's event loop. ` +
              describeStyle(program.style),
            fix:
              `Use the awaitable form: ${block.awaitable}. The SDK's own ` +
              'warning about this is switched off in Jupyter.',
            cellIndex: cell.index,
            cellId: cell.id,
            line: op.line
          })
        );
      }
    }
    return findings;
  }

  /** TD114 for one done-callback. */
  export function inCallback(
    program: Program,
    cell: IProgramCell,
    scope: IScope
  ): IFinding[] {
    const findings: IFinding[] = [];
    for (const op of cell.summary.scopeOps[scope.id]) {
      const why = blocks(program, cell, scope, op, true)?.why;
      if (why) {
        findings.push(
          makeFinding('TD114', {
            evidence:
              `${label(cell, scope)} is a done-callback, so it runs on the ` +
              `SDK's thread; at line ${op.line} ${why}, which that thread ` +
              'would have to do itself.',
            cellIndex: cell.index,
            cellId: cell.id,
            line: op.line
          })
        );
      }
    }
    return findings;
  }
}
