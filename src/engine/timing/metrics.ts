/**
 * Read a cookbook `metrics.jsonl` (one JSON object per line, one line per
 * step) into the engine's `IMetricsInput`.
 *
 * The file is often read while the run is still writing it, so a half-written
 * last line is expected: it is skipped with a note. Python's `json.dumps`
 * writes `NaN` and `Infinity`, which are not JSON; they are read too, and a
 * `time/*` value that is not a finite number is reported in the notes and
 * left out of the row.
 *
 * Pure TypeScript: usable in node (CLI, jest) and in the browser.
 */
import { InputError } from '../notebook';
import { IMetricsInput, MetricsRow } from '../types';

/** Lines parsed between two yields to the event loop (async reader). */
export const YIELD_EVERY_LINES = 2000;

/** Notes kept per kind of problem; the rest are counted in one summary. */
const MAX_NOTES_PER_KIND = 5;

/** Options of the asynchronous reader. */
export interface IReadMetricsOptions {
  /** Lines parsed between yields (default `YIELD_EVERY_LINES`). */
  yieldEvery?: number;
  /** Called after each batch with the number of lines read so far. */
  onProgress?: (lines: number) => void;
  /** Stops reading when aborted (the promise rejects with an Error). */
  signal?: AbortSignal;
}

/**
 * A streaming reader: give it text in chunks of any size (split anywhere,
 * even inside a line), then call `finish()`.
 */
export class MetricsReader {
  /** Number of complete lines seen so far (blank lines included). */
  get lineCount(): number {
    return this._lineNo;
  }

  /** Feed the next chunk of the file. */
  push(chunk: string): void {
    const text = this._rest + chunk;
    let start = 0;
    let nl = text.indexOf('\n', start);
    while (nl >= 0) {
      this._line(text.slice(start, nl), false);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this._rest = text.slice(start);
  }

  /**
   * Feed at most `maxLines` complete lines from the pending text and return
   * how many were consumed; used by the asynchronous reader to yield often.
   */
  pushLines(text: string, from: number, maxLines: number): number {
    let start = from;
    let lines = 0;
    while (lines < maxLines) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) {
        break;
      }
      this._line(text.slice(start, nl), false);
      start = nl + 1;
      lines++;
    }
    return start;
  }

  /**
   * End of input: read the unterminated last line, if any, and return rows
   * and notes.
   *
   * @throws InputError when no line of the file is a JSON object.
   */
  finish(): IMetricsInput {
    if (this._rest.trim()) {
      this._line(this._rest, true);
    }
    this._rest = '';
    const notes = [...this._notes];
    for (const [key, seen] of this._badTimes) {
      notes.push(
        seen.count === 1
          ? `line ${seen.line}: ${key} is ${seen.shown}, not a number; ignored`
          : `${key} is not a number on ${seen.count} lines (first on line ` +
              `${seen.line}: ${seen.shown}); ignored`
      );
    }
    for (const [kind, count] of this._dropped) {
      notes.push(`${count} more ${kind} not listed`);
    }
    if (this._rows.length === 0) {
      if (this._lineNo === 0 || this._blankOnly) {
        throw new InputError('metrics file is empty (no lines)');
      }
      throw new InputError(
        `not a metrics.jsonl file: none of its ${this._lineNo} line(s) is ` +
          `a JSON object (${this._firstError})`
      );
    }
    return { rows: this._rows, notes };
  }

  private _line(raw: string, last: boolean): void {
    this._lineNo++;
    const line = raw.trim();
    if (!line) {
      return;
    }
    this._blankOnly = false;
    const value = Private.parseLine(line);
    if (value === undefined || !Private.isObject(value)) {
      const why = value === undefined ? 'not valid JSON' : 'not an object';
      if (!this._firstError) {
        this._firstError = `line ${this._lineNo}: ${why}`;
      }
      if (last && value === undefined) {
        this._note(
          'incomplete lines',
          `line ${this._lineNo} is incomplete (still being written?); ` +
            'skipped'
        );
      } else {
        this._note('bad lines', `line ${this._lineNo} is ${why}; skipped`);
      }
      return;
    }
    // The parsed object is kept as the row (no copy: 100,000-line files
    // make garbage enough); bad time values are removed from it in place.
    const row = value as MetricsRow;
    for (const key in row) {
      const v = row[key];
      if (key.startsWith('time/') && !Private.isFiniteNumber(v)) {
        this._nonNumeric(key, v);
        delete row[key];
      } else if (typeof v === 'string') {
        row[key] = Private.restoreNumber(v);
      }
    }
    this._rows.push(row);
  }

  /** Count a non-numeric time value: one note per key, at the end. */
  private _nonNumeric(key: string, value: unknown): void {
    const seen = this._badTimes.get(key);
    if (seen) {
      seen.count++;
    } else if (this._badTimes.size < MAX_NOTES_PER_KIND) {
      this._badTimes.set(key, {
        count: 1,
        line: this._lineNo,
        shown: Private.show(value)
      });
    } else {
      const kind = 'non-numeric time values of other keys';
      this._dropped.set(kind, (this._dropped.get(kind) ?? 0) + 1);
    }
  }

  private _note(kind: string, text: string): void {
    const seen = this._kinds.get(kind) ?? 0;
    this._kinds.set(kind, seen + 1);
    if (seen < MAX_NOTES_PER_KIND) {
      this._notes.push(text);
    } else {
      this._dropped.set(kind, (this._dropped.get(kind) ?? 0) + 1);
    }
  }

  private _rest = '';
  private _lineNo = 0;
  private _blankOnly = true;
  private _firstError = '';
  private _rows: MetricsRow[] = [];
  private _notes: string[] = [];
  private _kinds = new Map<string, number>();
  private _dropped = new Map<string, number>();
  private _badTimes = new Map<
    string,
    { count: number; line: number; shown: string }
  >();
}

/**
 * Read a whole `metrics.jsonl` text.
 *
 * @throws InputError for an empty or corrupt file (no valid line).
 */
export function readMetrics(text: string): IMetricsInput {
  const reader = new MetricsReader();
  reader.push(text);
  return reader.finish();
}

/**
 * Read `metrics.jsonl` without blocking the UI: parses `yieldEvery` lines,
 * then yields to the event loop. The source is the whole text or an async
 * sequence of chunks (e.g. from a `ReadableStream`).
 *
 * @throws InputError for an empty or corrupt file.
 */
export async function readMetricsAsync(
  source: string | AsyncIterable<string>,
  options: IReadMetricsOptions = {}
): Promise<IMetricsInput> {
  const every = Math.max(1, options.yieldEvery ?? YIELD_EVERY_LINES);
  const reader = new MetricsReader();
  const feed = async (text: string): Promise<string> => {
    let at = 0;
    while (text.indexOf('\n', at) >= 0) {
      at = reader.pushLines(text, at, every);
      options.onProgress?.(reader.lineCount);
      await yieldToEventLoop();
      if (options.signal?.aborted) {
        throw new Error('reading metrics was cancelled');
      }
    }
    return text.slice(at);
  };
  if (typeof source === 'string') {
    const rest = await feed(source);
    reader.push(rest);
  } else {
    let rest = '';
    for await (const chunk of source) {
      rest = await feed(rest + chunk);
    }
    reader.push(rest);
  }
  return reader.finish();
}

/**
 * Let the browser paint and handle input. `MessageChannel` avoids the
 * 4 ms clamp of nested `setTimeout`; node falls back to `setImmediate`.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as any;
  if (typeof g.setImmediate === 'function') {
    return new Promise(resolve => g.setImmediate(resolve));
  }
  if (typeof g.MessageChannel === 'function') {
    return new Promise(resolve => {
      const channel = new g.MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise(resolve => setTimeout(resolve, 0));
}

namespace Private {
  /** Sentinels for the non-JSON numbers Python writes. */
  const SPECIAL: Record<string, number> = {
    NaN: NaN,
    Infinity: Infinity,
    '-Infinity': -Infinity
  };
  const SENTINEL = '\u0000td:';

  /** Parse one line; `undefined` when it is not JSON even after repair. */
  export function parseLine(line: string): unknown {
    try {
      return JSON.parse(line);
    } catch {
      // Python writes NaN/Infinity bare; retry with them quoted.
    }
    if (!/NaN|Infinity/.test(line)) {
      return undefined;
    }
    try {
      return JSON.parse(quoteSpecials(line));
    } catch {
      return undefined;
    }
  }

  /** Quote bare NaN/Infinity tokens that are outside strings. */
  function quoteSpecials(line: string): string {
    let out = '';
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (inString) {
        out += c;
        if (c === '\\') {
          out += line[++i] ?? '';
        } else if (c === '"') {
          inString = false;
        }
        continue;
      }
      if (c === '"') {
        inString = true;
        out += c;
        continue;
      }
      const token = ['-Infinity', 'Infinity', 'NaN'].find(t =>
        line.startsWith(t, i)
      );
      if (token) {
        out += JSON.stringify(SENTINEL + token);
        i += token.length - 1;
      } else {
        out += c;
      }
    }
    return out;
  }

  /** Turn a NaN/Infinity sentinel back into the number. */
  export function restoreNumber(v: unknown): unknown {
    if (typeof v === 'string' && v.startsWith(SENTINEL)) {
      return SPECIAL[v.slice(SENTINEL.length)];
    }
    return v;
  }

  /** Show a value in a note (short, text only). */
  export function show(v: unknown): string {
    const restored = restoreNumber(v);
    if (typeof restored === 'number') {
      return String(restored);
    }
    const text = JSON.stringify(restored) ?? String(restored);
    return text.length > 40 ? text.slice(0, 37) + '...' : text;
  }

  export function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  }

  export function isFiniteNumber(v: unknown): v is number {
    return typeof v === 'number' && Number.isFinite(v);
  }
}
