/**
 * Operations that started and never finished (TD134), from the cookbook's
 * `timed` log lines: `Starting <key>` when an operation begins and
 * `<key> took <seconds> seconds` when it ends.
 *
 * Works on any log text: a cell's stream outputs (saved or live) or a log
 * file. Log text is untrusted; it is only matched, never rendered as HTML.
 */
import { makeFinding } from '../catalogue';
import { IFinding, INotebookInput } from '../types';

/** `Starting <key>` at the end of a log line; the key is one word-ish token. */
const START = /(?:^|[\s\]:-])Starting ([A-Za-z_][\w.:/-]*)\s*\.{0,3}\s*$/;

/** `<key> took <n> seconds` (also `s`, `sec`, `secs`). */
const END = new RegExp(
  String.raw`(?:^|[\s\]:-])([A-Za-z_][\w.:/-]*) took \d+(?:\.\d+)?\s*` +
    String.raw`(?:s|secs?|seconds)\b`
);

/** Errors that end a cell without meaning the operation failed on its own. */
const INTERRUPTS = new Set(['KeyboardInterrupt', 'CancelledError']);

/** An operation that started and has not logged its end. */
export interface IUnfinished {
  /** The operation's key (`sampling`, `run_evals`, ...). */
  name: string;
  /** 1-based line in the text of its `Starting` line. */
  logLine: number;
  /** That log line, trimmed. */
  text: string;
}

/**
 * Starts without a matching end, in log order. Starts and ends pair up per
 * key, innermost first, so a key that runs twice is tracked per run.
 */
export function unfinishedOperations(logText: string): IUnfinished[] {
  const open = new Map<string, IUnfinished[]>();
  const lines = logText.split(/\r?\n|\r/);
  lines.forEach((raw, index) => {
    const line = raw.trimEnd();
    const end = END.exec(line);
    if (end) {
      open.get(end[1])?.pop();
      return;
    }
    const start = START.exec(line);
    if (start) {
      const list = open.get(start[1]) ?? [];
      list.push({ name: start[1], logLine: index + 1, text: line.trim() });
      open.set(start[1], list);
    }
  });
  return [...open.values()].flat().sort((a, b) => a.logLine - b.logLine);
}

/**
 * TD134 for each code cell whose stream outputs hold a `Starting X` with no
 * `X took ...`. A cell that ended with an error (other than an interrupt)
 * is left to the error decoder: the operation failed, it is not stuck.
 */
export function unfinishedFindings(notebook: INotebookInput): IFinding[] {
  const findings: IFinding[] = [];
  for (const cell of notebook.cells) {
    if (cell.cellType !== 'code' || cell.outputs.length === 0) {
      continue;
    }
    const failed = cell.outputs.some(
      o => o.outputType === 'error' && !INTERRUPTS.has(o.ename ?? '')
    );
    if (failed) {
      continue;
    }
    const text = cell.outputs
      .filter(o => o.outputType === 'stream')
      .map(o => o.text)
      .join('');
    const open = unfinishedOperations(text);
    if (open.length > 0) {
      findings.push(Private.finding(open, cell.index, cell.id));
    }
  }
  return findings;
}

/** TD134 for live log text (e.g. a log file being written), not a cell. */
export function unfinishedLogFinding(
  logText: string,
  where: { cellIndex?: number | null; cellId?: string | null } = {}
): IFinding | null {
  const open = unfinishedOperations(logText);
  if (open.length === 0) {
    return null;
  }
  return Private.finding(open, where.cellIndex ?? null, where.cellId ?? null);
}

namespace Private {
  export function finding(
    open: IUnfinished[],
    cellIndex: number | null,
    cellId: string | null
  ): IFinding {
    const names = [...new Set(open.map(o => o.name))];
    const last = open[open.length - 1];
    const shown =
      last.text.length > 200 ? last.text.slice(0, 197) + '...' : last.text;
    return makeFinding('TD134', {
      title: `Started and never finished: ${names.join(', ')}`,
      evidence:
        `Log line ${last.logLine}: "${shown}" has no matching ` +
        `"${last.name} took ..." line` +
        (open.length > 1 ? ` (${open.length} unfinished in all).` : '.'),
      fix:
        `The run is stuck inside ${names[names.length - 1]}: check the live ` +
        'view (GIL stalls, SDK loop) and the service path.',
      cellIndex,
      cellId
    });
  }
}
