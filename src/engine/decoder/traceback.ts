/**
 * Read a Python traceback as Jupyter stores it: the chained exceptions it
 * holds (root cause first) and the line of the cell where the failing call
 * is.
 *
 * Handles IPython's own format (`Cell In[5], line 2`, `File
 * /tmp/ipykernel_…/….py:2`), the plain Python format (`File
 * "/tmp/ipykernel_…/cell-3.py", line 2`) and the older
 * `<ipython-input-5-…>` frames, with or without ANSI colours removed.
 */
import { anyOf, seq } from './regex';

/** A frame that belongs to a notebook cell. */
export interface ICellFrame {
  /** What identifies the cell: `In[5]`, the ipykernel file name, … */
  key: string;
  /** 1-based line within the cell, when known. */
  line: number | null;
}

/** One exception of a chain. */
export interface IExceptionSegment {
  /** Exception type as printed (may carry a module, `tinker.X`). */
  type: string;
  /** The exception message (may span lines). */
  message: string;
  /** Frames in notebook cells, outermost first. */
  cellFrames: ICellFrame[];
}

/** Separators between the exceptions of a chain. */
const CHAIN = anyOf(
  /^During handling of the above exception, another exception occurred:$/,
  /^The above exception was the direct cause of the following exception:$/
);

/** A line holding an exception: a dotted name at column 0, then `: msg`. */
const EXCEPTION_LINE =
  /^(?<type>(?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)(?::\s?(?<message>.*))?$/;

/** Cell frames in their three spellings. */
const CELL_IN = /^\s*Cell In\s*\[(?<n>\d*)\],\s*line (?<line>\d+)/;
const KERNEL_FILE = seq(
  /^\s*File "?(?<file>[^"\n]*?(?:ipykernel_\d+|ipython-input)[^"\n:]*?)"?/,
  /(?::(?<line>\d+)|, line (?<line2>\d+))/
);
const OLD_INPUT = /^\s*(?<file><ipython-input-[\w-]+>) in /;
/** IPython's arrow at the current line of a frame. */
const ARROW = /^-+>\s*(?<line>\d+)/;

/**
 * Split a traceback into its chain of exceptions, root cause first. The
 * outermost exception uses `ename`/`evalue` when given: they are exact,
 * where the printed last line may be shortened.
 */
export function parseTraceback(
  traceback: string[],
  ename?: string,
  evalue?: string
): IExceptionSegment[] {
  const lines = traceback.join('\n').split('\n');
  const chunks: string[][] = [[]];
  for (const line of lines) {
    if (CHAIN.test(line.trim())) {
      chunks.push([]);
    } else {
      chunks[chunks.length - 1].push(line);
    }
  }
  const segments = chunks
    .map(Private.readSegment)
    .filter(s => s.type !== '' || s.cellFrames.length > 0);
  if (ename) {
    const last = segments[segments.length - 1];
    if (last) {
      last.type = ename;
      last.message = evalue ?? last.message;
    } else {
      segments.push({ type: ename, message: evalue ?? '', cellFrames: [] });
    }
  }
  return segments;
}

/**
 * The 1-based line of the cell where the failing call is: the deepest frame
 * of the cell that ran (the first cell frame names it), so SDK wrapper
 * frames and other cells' functions are skipped. Read from the exception
 * at `prefer` (the one that was decoded) when it passed through the cell,
 * else from the outermost one that did.
 */
export function failingLine(
  segments: IExceptionSegment[],
  prefer?: number
): number | null {
  const order = segments.map((_, i) => segments.length - 1 - i);
  if (prefer !== undefined && segments[prefer]) {
    order.unshift(prefer);
  }
  for (const i of order) {
    const frames = segments[i].cellFrames;
    if (frames.length === 0) {
      continue;
    }
    const own = frames.filter(f => f.key === frames[0].key);
    for (let j = own.length - 1; j >= 0; j--) {
      if (own[j].line !== null) {
        return own[j].line;
      }
    }
  }
  return null;
}

namespace Private {
  /** Read one exception of a chain. */
  export function readSegment(lines: string[]): IExceptionSegment {
    const cellFrames: ICellFrame[] = [];
    let pending: ICellFrame | null = null;
    let exceptionAt = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const frame = cellFrame(line);
      if (frame) {
        cellFrames.push(frame);
        pending = frame.line === null ? frame : null;
        continue;
      }
      const arrow = ARROW.exec(line);
      if (arrow && pending) {
        pending.line = Number(arrow.groups!.line);
        pending = null;
        continue;
      }
      if (isFrameHeader(line)) {
        pending = null;
        continue;
      }
      if (EXCEPTION_LINE.test(line) && looksLikeException(line)) {
        exceptionAt = i;
        break;
      }
    }
    if (exceptionAt < 0) {
      return { type: '', message: '', cellFrames };
    }
    const m = EXCEPTION_LINE.exec(lines[exceptionAt])!;
    const rest = lines
      .slice(exceptionAt + 1)
      .join('\n')
      .replace(/\s+$/, '');
    const first = m.groups!.message ?? '';
    return {
      type: m.groups!.type,
      message: rest ? `${first}\n${rest}` : first,
      cellFrames
    };
  }

  /** A frame in a notebook cell, or null. */
  function cellFrame(line: string): ICellFrame | null {
    const cellIn = CELL_IN.exec(line);
    if (cellIn) {
      return {
        key: `In[${cellIn.groups!.n}]`,
        line: Number(cellIn.groups!.line)
      };
    }
    const file = KERNEL_FILE.exec(line);
    if (file) {
      const n = file.groups!.line ?? file.groups!.line2;
      return { key: file.groups!.file, line: n ? Number(n) : null };
    }
    const old = OLD_INPUT.exec(line);
    if (old) {
      return { key: old.groups!.file, line: null };
    }
    return null;
  }

  /** A frame outside the cells (library code). */
  function isFrameHeader(line: string): boolean {
    return /^\s*File\s|^\S+\.py in \S|^~?\/\S+ in \S/.test(line);
  }

  /**
   * Exception lines are dotted names at column 0; a bare word such as a
   * divider or `Traceback` is not one.
   */
  function looksLikeException(line: string): boolean {
    if (/^\s/.test(line) || /^Traceback\b/.test(line)) {
      return false;
    }
    const name = line.split(':')[0];
    const last = name.split('.').pop() ?? '';
    return (
      line.includes(':') ||
      /(?:Error|Exception|Exit|Interrupt|Warning|Iteration|Cancelled)$/.test(
        last
      )
    );
  }
}
