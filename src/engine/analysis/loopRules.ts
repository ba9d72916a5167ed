/**
 * Loop-shape rules over resolved events: premature waits (TD110), weight
 * syncs per prompt (TD111) and futures never waited on (TD112).
 */
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import { IEvent, IProgramCell, Program } from './program';
import { describeStyle } from './sdk';
import { ILoop } from './summary';

/** Find TD110, TD111 and TD112 in every loop of the notebook. */
export function loopFindings(program: Program): IFinding[] {
  const findings: IFinding[] = [];
  for (const cell of program.cells) {
    for (const loop of cell.summary.loops) {
      const seq = Private.loopEvents(program, cell, loop);
      if (seq.length === 0) {
        continue;
      }
      findings.push(
        ...Private.prematureWaits(program, cell, loop, seq),
        ...Private.syncPerPrompt(cell, loop, seq),
        ...Private.neverWaited(program, cell, loop, seq)
      );
    }
  }
  return findings;
}

namespace Private {
  const MAX_DEPTH = 4;

  /** The events of a loop's body, with called user functions inlined. */
  export function loopEvents(
    program: Program,
    cell: IProgramCell,
    loop: ILoop
  ): IEvent[] {
    const own = program.loopEvents(cell, loop);
    return inline(program, own, new Set([`${cell.index}:${loop.scope}`]), 0);
  }

  function inline(
    program: Program,
    events: IEvent[],
    stack: Set<string>,
    depth: number
  ): IEvent[] {
    const out: IEvent[] = [];
    for (const event of events) {
      out.push(event);
      const callee = event.callee;
      if (event.kind !== 'call' || !callee || depth >= MAX_DEPTH) {
        continue;
      }
      const key = `${callee.cell.index}:${callee.scope.id}`;
      if (stack.has(key)) {
        continue;
      }
      stack.add(key);
      const body = program.scopeEvents(callee.cell, callee.scope.id);
      out.push(...inline(program, body, stack, depth + 1));
      stack.delete(key);
    }
    return out;
  }

  function where(event: IEvent): string {
    return `cell ${event.cell.index}, line ${event.op.line}`;
  }

  /** TD110: a step future waited on before the next step call is submitted. */
  export function prematureWaits(
    program: Program,
    cell: IProgramCell,
    loop: ILoop,
    seq: IEvent[]
  ): IFinding[] {
    const findings: IFinding[] = [];
    const isStep = (e: IEvent) => e.family === 'step';
    // A periodic evaluation (`if step % k == 0: tc.forward(…)`) needs its
    // result to report it; it is not the training step's shape.
    const isEval = (e: IEvent) => e.method === 'forward' && e.op.guarded;
    seq.forEach((wait, i) => {
      if (wait.kind !== 'wait' || !isStep(wait)) {
        return;
      }
      if (isEval(wait)) {
        return;
      }
      const next = seq.slice(i + 1).find(e => e.kind === 'submit' && isStep(e));
      if (!next) {
        return;
      }
      findings.push(
        makeFinding('TD110', {
          evidence:
            `Inside the loop at cell ${cell.index}, line ${loop.line}, the ` +
            `${wait.method} result is waited on (${where(wait)}) before ` +
            `${next.method} is submitted (${where(next)}), so the server ` +
            `idles while the client waits. ${describeStyle(program.style)}`,
          cellIndex: wait.cell.index,
          cellId: wait.cell.id,
          line: wait.op.line
        })
      );
    });
    if (findings.length > 0) {
      return findings;
    }
    // A call waited on where it is made, on every pass of the loop: nothing
    // overlaps with the next submission (`tc.forward_backward(b).result()`
    // over minibatches, `[f(x).result() for x in xs]`).
    const immediate = seq.find(
      e => e.kind === 'wait' && isStep(e) && e.immediate && !isEval(e)
    );
    if (!immediate) {
      const late = lateBatch(seq);
      if (late) {
        findings.push(
          makeFinding('TD110', {
            evidence:
              `Inside the loop at cell ${cell.index}, line ${loop.line}, ` +
              `the training futures are waited on (${where(late.wait)}) ` +
              `before the next batch (${late.name}) is prepared ` +
              `(${where(late.prepare)}), so preparing it never overlaps ` +
              `with the server's step. ${describeStyle(program.style)}`,
            cellIndex: late.wait.cell.index,
            cellId: late.wait.cell.id,
            line: late.wait.op.line
          })
        );
      }
      return findings;
    }
    findings.push(
      makeFinding('TD110', {
        evidence:
          `Inside the loop at cell ${cell.index}, line ${loop.line}, ` +
          `${immediate.method} is waited on where it is submitted ` +
          `(${where(immediate)}), before the next iteration submits again. ` +
          describeStyle(program.style),
        cellIndex: immediate.cell.index,
        cellId: immediate.cell.id,
        line: immediate.op.line
      })
    );
    return findings;
  }

  /**
   * The next batch prepared only after every step future was waited on:
   * a name passed to a step submission is assigned after the first wait
   * and not between the submission and that wait.
   */
  function lateBatch(
    seq: IEvent[]
  ): { wait: IEvent; prepare: IEvent; name: string } | null {
    const submits = seq.filter(e => e.kind === 'submit' && e.family === 'step');
    const first = seq.findIndex(e => e.kind === 'wait' && e.family === 'step');
    if (submits.length === 0 || first < 0) {
      return null;
    }
    const data = new Set(submits.flatMap(e => e.op.argNames));
    const lastSubmit = seq.indexOf(submits[submits.length - 1]);
    const assigns = (from: number, to: number) =>
      seq
        .slice(from, to)
        .find(e => e.op.target !== null && data.has(e.op.target));
    if (assigns(lastSubmit + 1, first)) {
      return null;
    }
    const prepare = assigns(first + 1, seq.length);
    // On-policy data needs the new weights: sampling after the step is not
    // something the wait could overlap with.
    const onPolicy =
      prepare !== undefined &&
      seq
        .slice(first + 1, seq.indexOf(prepare) + 1)
        .some(e => e.family === 'sync' || e.family === 'sample');
    return prepare && !onPolicy
      ? { wait: seq[first], prepare, name: prepare.op.target! }
      : null;
  }

  const PROMPT_NAMES =
    /prompt|sample|question|problem|example|quer|rollout|traj|completion|env|group|message|convers/i;
  const TRAINING_HELPERS = /train|step|update|optim|learn|backward/i;

  /** TD111: a weight sync inside a loop over prompts or samples. */
  export function syncPerPrompt(
    cell: IProgramCell,
    loop: ILoop,
    seq: IEvent[]
  ): IFinding[] {
    const syncs = seq.filter(e => e.kind === 'submit' && e.family === 'sync');
    if (syncs.length === 0) {
      return [];
    }
    if (seq.some(e => e.kind === 'submit' && e.family === 'step')) {
      return [];
    }
    const trainsElsewhere = seq.some(
      e =>
        e.kind === 'other-call' &&
        e.op.receiver === null &&
        TRAINING_HELPERS.test(e.op.method)
    );
    if (trainsElsewhere) {
      return [];
    }
    const overPrompts =
      seq.some(e => e.family === 'sample') ||
      PROMPT_NAMES.test(loop.iterText) ||
      loop.targets.some(t => PROMPT_NAMES.test(t));
    if (!overPrompts) {
      return [];
    }
    return syncs.map(sync =>
      makeFinding('TD111', {
        evidence:
          `${sync.method} (${where(sync)}) runs on every pass of the loop ` +
          `at cell ${cell.index}, line ${loop.line}` +
          (loop.iterText ? ` over ${Private.clip(loop.iterText)}` : '') +
          ', which submits no optim_step: the weights do not change ' +
          'between passes, yet each pass saves them and builds a new ' +
          'sampling client.',
        cellIndex: sync.cell.index,
        cellId: sync.cell.id,
        line: sync.op.line
      })
    );
  }

  /** Shorten source text for evidence. */
  export function clip(text: string): string {
    const one = text.replace(/\s+/g, ' ').trim();
    return one.length > 40 ? `${one.slice(0, 37)}...` : one;
  }

  /** TD112: step calls in a loop whose futures are dropped or never used. */
  export function neverWaited(
    program: Program,
    cell: IProgramCell,
    loop: ILoop,
    seq: IEvent[]
  ): IFinding[] {
    // The server runs a training client's requests in order, so waiting on
    // any of them (a step, a save) bounds how many are in flight.
    const training = new Set(['step', 'sync', 'other']);
    if (seq.some(e => e.kind === 'wait' && training.has(e.family ?? ''))) {
      return [];
    }
    const findings: IFinding[] = [];
    for (const e of seq) {
      if (e.kind !== 'submit' || e.family !== 'step') {
        continue;
      }
      if (
        e.cell.summary.chained.has(e.op.index) ||
        !onTrainingClient(program, e)
      ) {
        continue;
      }
      let how: string | null = null;
      if (e.op.dropped) {
        how = 'its future is thrown away';
      } else if (e.op.target && !isRead(program, e, e.op.target)) {
        how = `its future (${e.op.target}) is never used`;
      }
      if (how === null) {
        continue;
      }
      findings.push(
        makeFinding('TD112', {
          evidence:
            `${e.method} (${where(e)}) is submitted on every pass of the ` +
            `loop at cell ${cell.index}, line ${loop.line}, and ${how}; ` +
            'nothing in the loop waits for a training-client request.',
          cellIndex: e.cell.index,
          cellId: e.cell.id,
          line: e.op.line
        })
      );
    }
    return findings;
  }

  /** Names a reader takes for a training client without knowing more. */
  const TRAINING_NAME = /client|^tc$|^self\.tc$|trainer|training|learner/i;

  /**
   * Whether a step call is made on a Tinker training client (or its
   * creation future): known from the code or facts, or named like one.
   * `model.forward_backward(x)` on some other object is not.
   */
  function onTrainingClient(program: Program, e: IEvent): boolean {
    const kind = program.receiverKindAt(e.cell, e.op);
    if (kind !== null) {
      return kind === 'training' || kind === 'training-future';
    }
    return e.op.receiver !== null && TRAINING_NAME.test(e.op.receiver);
  }

  /** Whether a name assigned by an event is read anywhere it is visible. */
  function isRead(program: Program, e: IEvent, name: string): boolean {
    const global = e.op.scope === 0 || name.startsWith('self.');
    return program.cells.some(
      cell =>
        (cell === e.cell || (global && cell.index > e.cell.index)) &&
        cell.summary.reads.some(
          r =>
            r.name === name &&
            (name.startsWith('self.') ||
              (cell === e.cell ? r.scope === e.op.scope : r.scope === 0))
        )
    );
  }
}
