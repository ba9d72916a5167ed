/**
 * Locating live facts in the notebook: stalls, waits and stack frames name
 * a cell by index, by id, or both; findings want both when they can.
 */
import { IFrame, IThreadFact } from '../facts';
import { IDiagnosisInput } from '../types';

/** A place in the notebook; every part may be unknown. */
export interface ILocation {
  cellIndex: number | null;
  cellId: string | null;
  line: number | null;
}

/** Something that names a cell (a stall, a wait, a frame, a cell run). */
export interface ICellRef {
  cellIndex?: number | null;
  cellId?: string | null;
  line?: number | null;
}

/** Fill in a cell's index from its id (or the reverse) via the notebook. */
export function locate(input: IDiagnosisInput, ref: ICellRef): ILocation {
  let cellIndex = Private.int(ref.cellIndex);
  let cellId = typeof ref.cellId === 'string' && ref.cellId ? ref.cellId : null;
  const cells = input.notebook?.cells ?? [];
  if (cellIndex === null && cellId !== null) {
    const cell = cells.find(c => c.id === cellId);
    cellIndex = cell ? cell.index : null;
  } else if (cellIndex !== null && cellId === null) {
    cellId = cells.find(c => c.index === cellIndex)?.id ?? null;
  }
  return { cellIndex, cellId, line: Private.int(ref.line) };
}

/** The innermost frame that names a cell, located; null when none does. */
export function cellFrame(
  input: IDiagnosisInput,
  stack: IFrame[] | undefined
): ILocation | null {
  const frames = Array.isArray(stack) ? stack : [];
  for (let i = frames.length - 1; i >= 0; i--) {
    const frame = frames[i];
    if (!frame) {
      continue;
    }
    const hasCell =
      Private.int(frame.cellIndex) !== null ||
      (typeof frame.cellId === 'string' && frame.cellId !== '');
    if (hasCell) {
      return locate(input, frame);
    }
  }
  return null;
}

/**
 * Where a stall or wait happened: its own cell and line, else the innermost
 * stack frame that names a cell.
 */
export function eventLocation(
  input: IDiagnosisInput,
  event: ICellRef & { stack?: IFrame[] }
): ILocation {
  const own = locate(input, event);
  if (own.cellIndex !== null || own.cellId !== null) {
    if (own.line === null) {
      const frame = cellFrame(input, event.stack);
      if (frame && frame.cellIndex === own.cellIndex) {
        own.line = frame.line;
      }
    }
    return own;
  }
  return cellFrame(input, event.stack) ?? own;
}

/** A key that groups events at the same place. */
export function locationKey(loc: ILocation): string {
  return `${loc.cellIndex ?? loc.cellId ?? '-'}:${loc.line ?? '-'}`;
}

/** "cell 3, line 7", or '' when unknown. */
export function describeLocation(loc: ILocation): string {
  if (loc.cellIndex === null && loc.cellId === null) {
    return '';
  }
  const cell =
    loc.cellIndex !== null ? `cell ${loc.cellIndex}` : `cell ${loc.cellId}`;
  return loc.line !== null ? `${cell}, line ${loc.line}` : cell;
}

/** Capitalize the first letter, to start a sentence with a location. */
export function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A frame as `function (file.py:line)`, with the file's base name. */
export function describeFrame(frame: IFrame): string {
  const file = (frame.file ?? '').split(/[\\/]/).pop() || '?';
  const line = typeof frame.line === 'number' ? `:${frame.line}` : '';
  return `${frame.function ?? '?'} (${file}${line})`;
}

/** The thread with the given role, if the facts list one. */
export function threadByRole(
  threads: IThreadFact[] | undefined,
  role: IThreadFact['role']
): IThreadFact | null {
  return (
    (Array.isArray(threads) ? threads : []).find(t => t?.role === role) ?? null
  );
}

namespace Private {
  export function int(value: unknown): number | null {
    return typeof value === 'number' && Number.isInteger(value) && value >= 0
      ? value
      : null;
  }
}
