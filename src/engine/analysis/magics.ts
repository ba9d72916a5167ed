/**
 * IPython syntax that is not Python: line magics, cell magics, shell escapes,
 * help queries. The parser must not trip on them, and every offset must stay
 * where it was so that lines reported by the rules still match the cell.
 */

/** Cell magics whose body is still Python. */
const PYTHON_CELL_MAGICS = new Set([
  'time',
  'timeit',
  'capture',
  'prun',
  'debug',
  'python',
  'python3',
  'ipython'
]);

/**
 * Replace IPython-only syntax with Python of the same length.
 *
 * A magic or shell line becomes the expression `0` padded with spaces, so an
 * indented block keeps a statement; `x = !ls` becomes `x = 0   `. A cell
 * magic whose body is not Python (`%%bash`, `%%writefile`) blanks the cell.
 */
export function blankMagics(source: string): string {
  const lines = source.split('\n');
  const first = lines[0]?.trim() ?? '';
  if (first.startsWith('%%')) {
    const name = first.slice(2).split(/\s+/)[0];
    if (!PYTHON_CELL_MAGICS.has(name)) {
      return lines.map(l => ' '.repeat(l.length)).join('\n');
    }
    lines[0] = ' '.repeat(lines[0].length);
  }
  return lines.map(Private.blankLine).join('\n');
}

namespace Private {
  const ASSIGNED =
    /^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*)([!%].*)$/;
  const HELP = /^\s*(?:\?{1,2}[\w.]+|[\w.]+\?{1,2})\s*$/;

  /** `0` then spaces up to `length` characters. */
  function zero(length: number): string {
    return length > 0 ? '0' + ' '.repeat(length - 1) : '';
  }

  /** Blank one line if it is IPython syntax. */
  export function blankLine(line: string): string {
    const start = line.length - line.trimStart().length;
    const head = line.charAt(start);
    if (head === '%' || head === '!') {
      return line.slice(0, start) + zero(line.length - start);
    }
    if (HELP.test(line)) {
      return line.slice(0, start) + zero(line.length - start);
    }
    const assigned = ASSIGNED.exec(line);
    if (assigned && !assigned[1].includes('==')) {
      return assigned[1] + zero(assigned[2].length);
    }
    return line;
  }
}
