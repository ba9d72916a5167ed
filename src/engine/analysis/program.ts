/**
 * The notebook as one program: cell summaries in notebook order, with what
 * crosses cells — which names hold Tinker clients, which functions exist —
 * and, per scope, the calls resolved into submissions and waits.
 */
import { IClientFact } from '../facts';
import { resolveScope } from './events';
import { ICellSummary, ILoop, IOp, IScope } from './summary';
import {
  baseMethod,
  ClientKind,
  CONSTRUCTORS,
  isDeprecatedAsync,
  ISdkStyle,
  OTHER_TRAINING_METHODS,
  SAMPLE_METHODS,
  SAMPLING_CREATORS,
  STEP_METHODS,
  SYNC_METHODS,
  TRAINING_CREATORS
} from './sdk';

/** A summarized cell with its place in the notebook. */
export interface IProgramCell {
  index: number;
  id: string | null;
  summary: ICellSummary;
}

/** What a Tinker call does to the loop. */
export type Family = 'step' | 'sync' | 'sample' | 'create' | 'other';

/** A resolved step of a scope, in evaluation order. */
export interface IEvent {
  /**
   * `concurrent`: a `concurrent.futures.Future` method called on a Tinker
   * future directly (`done()`, `add_done_callback()` …).
   */
  kind: 'submit' | 'wait' | 'call' | 'other-call' | 'concurrent';
  family: Family | null;
  /** The Tinker method (without `_async`) submitted or waited on. */
  method: string;
  /** The wait is on the call itself (`await tc.f(…)`, `tc.f(…).result()`). */
  immediate: boolean;
  cell: IProgramCell;
  op: IOp;
  /** For `call`: the user function called. */
  callee?: IFunctionRef;
}

/** A Tinker future held by a top-level name. */
export interface IGlobalFuture {
  family: Family;
  method: string;
  /** The cell that assigns it. */
  cell: number;
}

/** A name bound to a client at some op. */
interface IBinding {
  cell: number;
  op: number;
  kind: ClientKind;
}

/** A function defined in some cell. */
export interface IFunctionRef {
  cell: IProgramCell;
  scope: IScope;
}

/** Cross-cell state, built in one pass over cached summaries. */
export class Program {
  readonly functions = new Map<string, IFunctionRef>();
  /** Methods of classes defined in the notebook, by bare name. */
  readonly methods = new Map<string, IFunctionRef>();
  readonly clients = new Map<string, ClientKind>();
  /** Every top-level binding of a client name, in notebook order. */
  private bindings = new Map<string, IBinding[]>();
  /** Names that hold a Tinker future at a cell's top level (or `self.x`). */
  readonly futures = new Map<string, IGlobalFuture[]>();
  private events = new Map<string, IEvent[]>();
  private byLoop = new Map<string, Map<number, IEvent[]>>();

  /**
   * @param cells - the code cells in notebook order
   * @param style - the SDK semantics to read the calls with
   * @param factClients - clients the kernel agent saw, which name the
   *   variables that hold clients when the code does not show it
   */
  constructor(
    readonly cells: IProgramCell[],
    readonly style: ISdkStyle,
    factClients: IClientFact[] = []
  ) {
    for (const cell of cells) {
      for (const scope of cell.summary.scopes) {
        if (scope.shortName && !scope.isLambda) {
          this.functions.set(scope.shortName, { cell, scope });
          if (scope.name && scope.name !== scope.shortName) {
            this.functions.set(scope.name, { cell, scope });
            this.methods.set(scope.shortName, { cell, scope });
          }
        }
      }
      for (const op of cell.summary.ops) {
        if (op.target) {
          const kind = this.valueKind(cell, op);
          if (kind) {
            this.clients.set(op.target, kind);
            const list = this.bindings.get(op.target) ?? [];
            list.push({ cell: cell.index, op: op.index, kind });
            this.bindings.set(op.target, list);
          }
        }
      }
    }
    for (const client of factClients) {
      const kind = client?.kind ? Private.FACT_KINDS[client.kind] : undefined;
      const name = client?.variable;
      if (kind && typeof name === 'string' && !this.clients.has(name)) {
        this.clients.set(name, kind);
      }
    }
    for (const cell of cells) {
      for (const op of cell.summary.ops) {
        const global = op.scope === 0 || op.target?.startsWith('self.');
        if (!op.target || !global) {
          continue;
        }
        const family = this.family(op, this.scopeOf(cell, op));
        const method = baseMethod(op.method);
        const future = op.method === method ? !op.awaited : op.awaited;
        if (family && family !== 'create' && future) {
          const list = this.futures.get(op.target) ?? [];
          list.push({ family, method, cell: cell.index });
          this.futures.set(op.target, list);
        }
      }
    }
  }

  /** What kind of client a name holds, looking at parameters by name. */
  kindOf(name: string | null, scope?: IScope): ClientKind | null {
    if (name === null) {
      return null;
    }
    const known = this.clients.get(name);
    if (known) {
      return known;
    }
    const bare = name.startsWith('self.') ? name.slice(5) : name;
    if (scope?.params.includes(name) || bare !== name) {
      return Private.kindFromName(bare);
    }
    return null;
  }

  /**
   * What a name holds where an op uses it: at a cell's top level, the last
   * binding before the op (a later cell may rebind `tc = tc.result()`);
   * in a function, which runs later, the last binding of all.
   */
  kindAt(cell: IProgramCell, op: IOp): ClientKind | null {
    const scope = this.scopeOf(cell, op);
    const list = op.receiver ? this.bindings.get(op.receiver) : undefined;
    if (!list || op.scope !== 0) {
      return this.kindOf(op.receiver, scope);
    }
    const before = list.filter(
      b => b.cell < cell.index || (b.cell === cell.index && b.op < op.index)
    );
    return before.length > 0
      ? before[before.length - 1].kind
      : this.kindOf(op.receiver, scope);
  }

  /**
   * What an op's method is called on: the value of a chained call
   * (`tinker.RestClient().get_server_capabilities()`), else what the
   * receiver name holds there (see kindAt).
   */
  receiverKindAt(cell: IProgramCell, op: IOp): ClientKind | null {
    if (op.receiverOp !== null) {
      const inner = cell.summary.ops[op.receiverOp];
      const kind = inner ? this.valueKind(cell, inner) : null;
      if (kind !== null) {
        return kind;
      }
    }
    return this.kindAt(cell, op);
  }

  /** The client kind an op's value is, when it creates or awaits one. */
  valueKind(cell: IProgramCell, op: IOp): ClientKind | null {
    const base = baseMethod(op.method);
    if (CONSTRUCTORS[op.method]) {
      return CONSTRUCTORS[op.method];
    }
    if (op.method === 'create_rest_client') {
      return 'rest';
    }
    const creates = TRAINING_CREATORS.has(base)
      ? 'training'
      : SAMPLING_CREATORS.has(base)
        ? 'sampling'
        : null;
    if (creates) {
      if (op.method !== base || op.awaited) {
        return creates;
      }
      // Only 0.38 returns a future here; when the version is a guess, the
      // name is taken to hold the client, which both versions accept.
      const future =
        this.style.style === 'new' && this.style.source !== 'default';
      return future ? `${creates}-future` : creates;
    }
    if (op.method === 'result' || op.method === '__await__') {
      const inner =
        op.receiverOp !== null
          ? this.valueKind(cell, cell.summary.ops[op.receiverOp])
          : this.kindOf(op.receiver);
      if (inner === 'training-future') {
        return 'training';
      }
      if (inner === 'sampling-future') {
        return 'sampling';
      }
      return op.receiverOp !== null ? inner : null;
    }
    if (op.method === 'result_async' && op.receiver) {
      const inner = this.kindOf(op.receiver);
      return inner?.endsWith('-future')
        ? (inner.replace('-future', '') as ClientKind)
        : null;
    }
    return null;
  }

  /** The Tinker family of a call, or null when it is not a Tinker call. */
  family(op: IOp, scope: IScope): Family | null {
    const base = baseMethod(op.method);
    const kind = this.kindOf(op.receiver, scope);
    if (base === 'forward') {
      return kind === 'training' || kind === 'training-future' ? 'step' : null;
    }
    if (STEP_METHODS.has(base)) {
      return 'step';
    }
    if (SYNC_METHODS.has(base)) {
      return 'sync';
    }
    if (base === 'create_sampling_client') {
      return kind === 'training' || kind === 'training-future'
        ? 'sync'
        : 'create';
    }
    if (SAMPLE_METHODS.has(base)) {
      return kind === 'sampling' ||
        kind === 'sampling-future' ||
        (op.receiver !== null && /sampl/i.test(op.receiver))
        ? 'sample'
        : null;
    }
    if (
      TRAINING_CREATORS.has(base) ||
      CONSTRUCTORS[op.method] ||
      op.method === 'create_rest_client'
    ) {
      return 'create';
    }
    if (OTHER_TRAINING_METHODS.has(base)) {
      return 'other';
    }
    if (kind !== null && isDeprecatedAsync(op.method)) {
      return 'other';
    }
    return null;
  }

  /** The events of one loop's body (in the loop's own scope). */
  loopEvents(cell: IProgramCell, loop: ILoop): IEvent[] {
    const key = `${cell.index}:${loop.scope}`;
    let byLoop = this.byLoop.get(key);
    if (!byLoop) {
      byLoop = new Map();
      for (const event of this.scopeEvents(cell, loop.scope)) {
        for (const id of event.op.loops) {
          const list = byLoop.get(id) ?? [];
          list.push(event);
          byLoop.set(id, list);
        }
      }
      this.byLoop.set(key, byLoop);
    }
    return byLoop.get(loop.id) ?? [];
  }

  /** The scope an op belongs to. */
  scopeOf(cell: IProgramCell, op: IOp): IScope {
    return cell.summary.scopes[op.scope];
  }

  /**
   * The events of one scope, resolved once: Tinker submissions and the
   * waits on their futures, calls of user functions, other calls.
   */
  scopeEvents(cell: IProgramCell, scopeId: number): IEvent[] {
    const key = `${cell.index}:${scopeId}`;
    const cached = this.events.get(key);
    if (cached) {
      return cached;
    }
    const events = resolveScope(this, cell, scopeId);
    this.events.set(key, events);
    return events;
  }
}

namespace Private {
  /** Client kinds by the class names the kernel agent reports. */
  export const FACT_KINDS: Record<string, ClientKind> = {
    ServiceClient: 'service',
    TrainingClient: 'training',
    SamplingClient: 'sampling',
    RestClient: 'rest'
  };

  /** Guess a parameter's client kind from its name. */
  export function kindFromName(name: string): ClientKind | null {
    if (
      /^(tc|training_client|train_client|trainer|training_clients?)$/.test(name)
    ) {
      return 'training';
    }
    if (/^(sc|sampling_client|sampler|sampling_clients?)$/.test(name)) {
      return 'sampling';
    }
    if (/^(svc|service|service_client)$/.test(name)) {
      return 'service';
    }
    return null;
  }
}
