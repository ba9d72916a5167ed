/**
 * Where a notebook waits for a Tinker client to be created: the long waits
 * the watchdog reported whose line lies inside a client-creation call.
 */
import { IDiagnosisInput } from '../types';
import { eventLocation, ILocation } from './liveLocate';

/** A wait for a client this long is a wait for capacity (TD306). */
export const CREATION_WAIT_MS = 120_000;

/** Calls that create a training or sampling client (sync or async). */
const CREATION_CALL = /\bcreate_\w*(training|sampling)_client\w*\s*\(/;

/** A long wait inside a client-creation call, located. */
export interface ICreationWait {
  loc: ILocation;
  durationMs: number | null;
}

/**
 * The waits whose line is inside a client-creation statement. Needs the
 * notebook (to read the statement); without it, nothing is found.
 */
export function creationWaits(input: IDiagnosisInput): ICreationWait[] {
  const waits = input.facts?.waits;
  const found: ICreationWait[] = [];
  for (const wait of Array.isArray(waits) ? waits : []) {
    // A wait on a starved SDK loop is not the server's doing.
    if (!wait || wait.sdkLoopHealthy === false) {
      continue;
    }
    const loc = eventLocation(input, wait);
    const cell = input.notebook?.cells.find(c => c.index === loc.cellIndex);
    if (!cell || loc.line === null) {
      continue;
    }
    if (Private.inCreationCall(cell.source, loc.line)) {
      found.push({
        loc,
        durationMs: typeof wait.durationMs === 'number' ? wait.durationMs : null
      });
    }
  }
  return found;
}

namespace Private {
  /** Whether 1-based `line` lies in a statement that creates a client. */
  export function inCreationCall(source: string, line: number): boolean {
    const lines = source.split('\n');
    for (let start = 0; start < lines.length && start < line; start++) {
      if (!CREATION_CALL.test(lines[start])) {
        continue;
      }
      const end = statementEnd(lines, start);
      if (line - 1 >= start && line - 1 <= end) {
        return true;
      }
    }
    return false;
  }

  /** The last 0-based line of the statement starting at `start`. */
  function statementEnd(lines: string[], start: number): number {
    let depth = 0;
    for (let i = start; i < lines.length; i++) {
      const code = lines[i].replace(/(["'])(?:\\.|(?!\1).)*\1/g, '');
      for (const ch of code.split('#')[0]) {
        if (ch === '(' || ch === '[' || ch === '{') {
          depth++;
        } else if (ch === ')' || ch === ']' || ch === '}') {
          depth--;
        }
      }
      if (depth <= 0 && !/\\\s*$/.test(code)) {
        return i;
      }
    }
    return lines.length - 1;
  }
}
