/**
 * The calls of one scope read as a reader of the SDK would: submissions,
 * waits on their futures, calls of notebook functions, other calls.
 */
import type { Family, IEvent, IProgramCell, Program } from './program';
import { baseMethod, CONCURRENT_METHODS } from './sdk';
import { IOp } from './summary';

/** A future (or a not yet awaited `*_async` coroutine) held by a name. */
interface IPending {
  family: Family;
  method: string;
  coroutine: boolean;
}

/**
 * Resolve a scope's ops into events, tracking futures by name: which
 * calls submit Tinker work, which wait on it, which call notebook functions.
 */
export function resolveScope(
  program: Program,
  cell: IProgramCell,
  scopeId: number
): IEvent[] {
  const scope = cell.summary.scopes[scopeId];
  const ops = cell.summary.scopeOps[scopeId] ?? [];
  const pending = new Map<string, IPending>();
  const local = new Set(scope.params);
  ops.forEach(o => o.target && local.add(o.target));
  // A future from a top-level name of an earlier cell (or, in a function,
  // of its own cell), unless the scope has a variable of that name.
  const lookup = (name: string): IPending | undefined => {
    const own = pending.get(name);
    if (own) {
      return own;
    }
    if (scopeId !== 0 && local.has(name) && !name.startsWith('self.')) {
      return undefined;
    }
    const global = (program.futures.get(name) ?? [])
      .filter(
        f => f.cell < cell.index || (scopeId !== 0 && f.cell === cell.index)
      )
      .pop();
    return global ? { ...global, coroutine: false } : undefined;
  };
  const events: IEvent[] = [];
  const byOp = new Map<number, IPending>();
  const push = (
    kind: IEvent['kind'],
    op: IOp,
    p: IPending | null,
    immediate: boolean,
    extra: Partial<IEvent> = {}
  ) =>
    events.push({
      kind,
      family: p?.family ?? null,
      method: p?.method ?? op.method,
      immediate,
      cell,
      op,
      ...extra
    });
  for (const op of ops) {
    const family = program.family(op, scope);
    if (family) {
      const method = baseMethod(op.method);
      const isAsync = op.method !== method;
      const p: IPending = { family, method, coroutine: false };
      if (isAsync && !op.awaited) {
        if (op.target) {
          pending.set(op.target, { ...p, coroutine: true });
        }
        continue;
      }
      push('submit', op, p, false);
      byOp.set(op.index, p);
      if (op.awaited && !isAsync) {
        push('wait', op, p, true);
      } else if (op.target) {
        pending.set(op.target, p);
      }
      continue;
    }
    if (op.method === 'result' || op.method === 'result_async') {
      if (op.method === 'result_async' && !op.awaited) {
        continue;
      }
      if (op.receiverOp !== null) {
        const p = byOp.get(op.receiverOp);
        if (p) {
          push('wait', op, p, true);
          continue;
        }
      }
      const p = op.receiver ? lookup(op.receiver) : undefined;
      if (p && !p.coroutine) {
        push('wait', op, p, false);
        continue;
      }
    }
    if (op.method === '__await__' && op.receiver) {
      const p = lookup(op.receiver);
      if (p?.coroutine) {
        const submitted = { ...p, coroutine: false };
        push('submit', op, submitted, false);
        if (op.target) {
          pending.set(op.target, submitted);
        }
      } else if (p) {
        push('wait', op, p, false);
      }
      continue;
    }
    if (CONCURRENT_METHODS.has(op.method)) {
      const p =
        op.receiverOp !== null
          ? byOp.get(op.receiverOp)
          : op.receiver
            ? lookup(op.receiver)
            : undefined;
      if (p && !p.coroutine) {
        push('concurrent', op, p, false);
        continue;
      }
    }
    if (op.method === 'gather' || op.method === 'wait') {
      for (const name of op.argNames) {
        const p = lookup(name);
        if (p && !p.coroutine) {
          push('wait', op, p, false);
        }
      }
    }
    // `f(…)` and `self.f(…)` call a notebook function; `obj.f(…)` on
    // something that is not a Tinker client may call a notebook method.
    const callee =
      op.receiver === null || op.receiver === 'self'
        ? program.functions.get(op.method)
        : program.kindOf(op.receiver, scope) === null
          ? program.methods.get(op.method)
          : undefined;
    if (callee && callee.scope !== scope) {
      push('call', op, null, false, { callee });
    } else {
      push('other-call', op, null, false);
    }
  }
  return events;
}
