/**
 * TD115: a client-creating cell that ran more than once in this kernel, so
 * two sessions are alive. Known from the agent's record of cell runs, or
 * from clients of different sessions created by the same cell.
 */
import { makeFinding } from '../catalogue';
import { IFacts } from '../facts';
import { IFinding } from '../types';
import { IProgramCell, Program } from './program';
import { baseMethod, TRAINING_CREATORS } from './sdk';
import { IOp } from './summary';

/** Find TD115 from the facts, located with the notebook when there is one. */
export function sessionFindings(
  program: Program,
  facts: IFacts | undefined
): IFinding[] {
  if (!facts) {
    return [];
  }
  const findings = new Map<string, IFinding>();
  for (const [cellKey, sessions] of Private.sessionsByCell(facts)) {
    if (sessions.size < 2) {
      continue;
    }
    const cell = Private.findCell(program, cellKey, null);
    const op = cell ? Private.creation(program, cell) : null;
    findings.set(
      cellKey,
      makeFinding('TD115', {
        evidence:
          `Clients of ${sessions.size} different sessions were created by ` +
          `the same cell${cell ? ` (cell ${cell.index})` : ''}: it ran ` +
          'again while the first session was still alive.',
        cellIndex: cell?.index ?? null,
        cellId: cell?.id ?? cellKey,
        line: op?.line ?? null
      })
    );
  }
  for (const run of Private.repeatedRuns(facts)) {
    const cell = Private.findCell(program, run.cellId, run.cellIndex);
    if (!cell) {
      continue;
    }
    const key = cell.id ?? `#${cell.index}`;
    const op = Private.creation(program, cell);
    if (!op || op.guarded || findings.has(key)) {
      continue;
    }
    findings.set(
      key,
      makeFinding('TD115', {
        evidence:
          `Cell ${cell.index} creates a Tinker client (line ${op.line}, ` +
          `${op.method}) and ran ${run.count} times in this kernel; each ` +
          'run opened a new session.',
        cellIndex: cell.index,
        cellId: cell.id,
        line: op.line
      })
    );
  }
  return [...findings.values()];
}

namespace Private {
  /** Distinct session ids per creating cell id. */
  export function sessionsByCell(facts: IFacts): Map<string, Set<string>> {
    const byCell = new Map<string, Set<string>>();
    for (const client of facts.clients ?? []) {
      const cellId = client?.createdInCellId;
      const session = client?.sessionId;
      if (typeof cellId !== 'string' || typeof session !== 'string') {
        continue;
      }
      const set = byCell.get(cellId) ?? new Set<string>();
      set.add(session);
      byCell.set(cellId, set);
    }
    return byCell;
  }

  interface IRepeat {
    cellId: string | null;
    cellIndex: number | null;
    count: number;
  }

  /** Cells that the agent saw run twice or more. */
  export function repeatedRuns(facts: IFacts): IRepeat[] {
    const counts = new Map<string, IRepeat>();
    for (const run of facts.cellRuns ?? []) {
      const cellId = typeof run?.cellId === 'string' ? run.cellId : null;
      const cellIndex =
        typeof run?.cellIndex === 'number' ? run.cellIndex : null;
      if (cellId === null && cellIndex === null) {
        continue;
      }
      const key = cellId ?? `#${cellIndex}`;
      const entry = counts.get(key) ?? { cellId, cellIndex, count: 0 };
      entry.count += 1;
      counts.set(key, entry);
    }
    return [...counts.values()].filter(r => r.count >= 2);
  }

  /** The notebook cell with this id (or index when there is no id). */
  export function findCell(
    program: Program,
    cellId: string | null,
    cellIndex: number | null
  ): IProgramCell | null {
    if (cellId !== null) {
      const byId = program.cells.find(c => c.id === cellId);
      if (byId) {
        return byId;
      }
    }
    if (cellIndex !== null) {
      return program.cells.find(c => c.index === cellIndex) ?? null;
    }
    return null;
  }

  /**
   * The call that opens a session at the cell's top level. From 0.38 a
   * `ServiceClient()` opens none until it creates a training or sampling
   * client, so only those count; before, the constructor counts too.
   */
  export function creation(program: Program, cell: IProgramCell): IOp | null {
    const top = cell.summary.ops.filter(
      op =>
        op.scope === 0 &&
        program.family(op, program.scopeOf(cell, op)) === 'create'
    );
    const opensSession = (op: IOp) => {
      const base = baseMethod(op.method);
      return TRAINING_CREATORS.has(base) || base === 'create_sampling_client';
    };
    const lazy =
      program.style.style === 'new' && program.style.source === 'facts';
    return top.find(opensSession) ?? (lazy ? null : (top[0] ?? null));
  }
}
