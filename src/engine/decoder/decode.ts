/**
 * Decode the outputs of one cell: error outputs at their root cause, stream
 * lines one by one, repeated lines (TD307) counted per key, and error
 * objects a cell shows as its value (`future.exception()`) like a raised
 * error's message.
 */
import { CATALOGUE } from '../catalogue';
import { ICell, ICellOutput, Severity } from '../types';
import { formatSpan, splitLogLines } from './logs';
import { fillTemplate, matchMessage, redact } from './match';
import { DECODER_TABLE } from './table';
import { errorReprs } from './reprs';
import { DATA_ROWS } from './tableData';
import { failingLine, parseTraceback } from './traceback';
import { IDecoderRow, IRowMatch, MessageSource } from './types';

/** One decoded message. Text fields are redacted and still untrusted. */
export interface IDecoded {
  code: string;
  /** The table row that matched. */
  rowId: string;
  severity: Severity;
  /** The cause, one line. */
  cause: string;
  fix: string;
  /** The message that matched (shortened). */
  message: string;
  /** Values pulled out of the message. */
  values: Record<string, string>;
  /** 1-based line in the cell, or null. */
  line: number | null;
  /** Index of the output the message came from. */
  outputIndex: number;
  /**
   * Set when decoded from part of another message (the heartbeat's) or
   * from an error object the cell showed as a value.
   */
  via: string | null;
}

/** Longest message kept as evidence. */
const MAX_MESSAGE = 500;

/** Decode every output of a cell. Never throws on odd outputs. */
export function decodeCell(
  cell: ICell,
  rows: ReadonlyArray<IDecoderRow> = DECODER_TABLE
): IDecoded[] {
  const decoded: IDecoded[] = [];
  const repeats = new Map<string, Private.IRepeat>();
  cell.outputs.forEach((output, index) => {
    if (output.outputType === 'error') {
      decoded.push(...Private.decodeError(cell, output, index, rows));
    } else if (output.outputType === 'stream') {
      decoded.push(...Private.decodeStream(cell, output, index, rows, repeats));
    } else {
      decoded.push(...Private.decodeValue(cell, output, index, rows));
    }
  });
  decoded.push(...Private.countRepeats(repeats));
  return decoded;
}

namespace Private {
  /** Matches of a repeat row, grouped by key. */
  export interface IRepeat {
    match: IRowMatch;
    count: number;
    times: number[];
    outputIndex: number;
  }

  /** An error output, decoded at the root-most exception that decodes. */
  export function decodeError(
    cell: ICell,
    output: ICellOutput,
    index: number,
    rows: ReadonlyArray<IDecoderRow>
  ): IDecoded[] {
    const segments = parseTraceback(
      output.traceback ?? [],
      output.ename,
      output.evalue
    );
    const context = `${output.text}\n${cell.source}`;
    for (const [at, segment] of segments.entries()) {
      const message = segment.message
        ? `${segment.type}: ${segment.message}`
        : segment.type;
      const matches = matchMessage(message, { context, source: 'error' }, rows);
      if (matches.length > 0) {
        const line = failingLine(segments, at);
        return expand(matches, 'error', rows).map(([m, via]) =>
          toDecoded(m, cell, index, line, via)
        );
      }
    }
    return [];
  }

  /**
   * An `execute_result` or `display_data` output: the error reprs in its
   * `text/plain`, each decoded like a traceback's message. A result points
   * at the cell's last statement line, which produced the value.
   */
  export function decodeValue(
    cell: ICell,
    output: ICellOutput,
    index: number,
    rows: ReadonlyArray<IDecoderRow>
  ): IDecoded[] {
    const decoded: IDecoded[] = [];
    const context = `${output.text}\n${cell.source}`;
    const line =
      output.outputType === 'execute_result' ? lastLine(cell.source) : null;
    for (const message of errorReprs(output.text)) {
      const matches = matchMessage(message, { context, source: 'error' }, rows);
      for (const [m, via] of expand(matches, 'error', rows)) {
        decoded.push(toDecoded(m, cell, index, line, via ?? SHOWN_VALUE));
      }
    }
    return decoded;
  }

  /** How a decode from a shown error object is described. */
  const SHOWN_VALUE = 'an error object the cell showed as its value';

  /** The 1-based line of the last statement-like line, or null. */
  function lastLine(source: string): number | null {
    const lines = source.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const text = lines[i].trim();
      if (text && !text.startsWith('#')) {
        return i + 1;
      }
    }
    return null;
  }

  /** Rows about the user's data: in stream text only in an error context. */
  const DATA_ROW_IDS = new Set(DATA_ROWS.map(row => row.id));

  /** An exception name, the word error, or a log-level prefix. */
  const ERROR_LINE = new RegExp(
    [
      '\\b[A-Z]\\w*(?:Error|Exception)\\b',
      '\\berror\\b',
      '^\\W{0,2}(?:[\\d:.,TZ /-]+\\s*)?\\[?' +
        '(?:ERROR|CRITICAL|FATAL|WARN(?:ING)?)\\b',
      '\\b(?:ERROR|CRITICAL|FATAL|WARN(?:ING)?)\\s*[:\\]|]'
    ].join('|'),
    'i'
  );

  /**
   * Whether a stream line reads as an error: it names an exception, says
   * error or has a log-level prefix, or its output holds a traceback.
   */
  function looksLikeError(line: string, text: string): boolean {
    return (
      ERROR_LINE.test(line) || /Traceback \(most recent call last\)/.test(text)
    );
  }

  /** A stream output, line by line; repeat rows are only counted here. */
  export function decodeStream(
    cell: ICell,
    output: ICellOutput,
    index: number,
    rows: ReadonlyArray<IDecoderRow>,
    repeats: Map<string, IRepeat>
  ): IDecoded[] {
    const decoded: IDecoded[] = [];
    const context = `${output.text}\n${cell.source}`;
    for (const logLine of splitLogLines(output.text)) {
      const matches = matchMessage(
        logLine.text,
        { context, source: 'log' },
        rows
      );
      const errorish = looksLikeError(logLine.text, output.text);
      for (const [m, via] of expand(matches, 'log', rows)) {
        if (!errorish && DATA_ROW_IDS.has(m.row.id)) {
          // A user's own print of the same words is not an error.
          continue;
        }
        if (m.row.repeat) {
          const key = `${m.row.id}|${m.values[m.row.repeat.key] ?? ''}`;
          const seen = repeats.get(key) ?? {
            match: m,
            count: 0,
            times: [],
            outputIndex: index
          };
          seen.count += 1;
          if (logLine.time !== null) {
            seen.times.push(logLine.time);
          }
          repeats.set(key, seen);
        } else {
          decoded.push(toDecoded(m, cell, index, null, via));
        }
      }
    }
    return decoded;
  }

  /** Repeat rows that repeated often enough, over a long enough time. */
  export function countRepeats(repeats: Map<string, IRepeat>): IDecoded[] {
    const decoded: IDecoded[] = [];
    for (const seen of repeats.values()) {
      const rule = seen.match.row.repeat!;
      const span =
        seen.times.length >= 2
          ? Math.max(...seen.times) - Math.min(...seen.times)
          : null;
      const enough =
        span !== null
          ? seen.count >= rule.minCount && span >= rule.minSpanSeconds
          : seen.count >= rule.minCountWithoutTime;
      if (!enough) {
        continue;
      }
      const values: Record<string, string> = {
        ...seen.match.values,
        count: String(seen.count)
      };
      if (span !== null) {
        values.span = formatSpan(span);
      }
      const match = { ...seen.match, values };
      decoded.push(toDecoded(match, null, seen.outputIndex, null, null));
    }
    return decoded;
  }

  /**
   * Add the matches of rows that decode one of their values (the
   * heartbeat's last exception) and note on the parent what it decoded as.
   */
  export function expand(
    matches: IRowMatch[],
    source: MessageSource,
    rows: ReadonlyArray<IDecoderRow>
  ): Array<[IRowMatch, string | null]> {
    const out: Array<[IRowMatch, string | null]> = [];
    for (const m of matches) {
      out.push([m, null]);
      const group = m.row.decodeGroup;
      const inner = group ? m.values[group] : undefined;
      if (!group || !inner) {
        continue;
      }
      const nested = matchMessage(inner, { context: inner, source }, rows);
      const names = nested.map(n => `${n.row.code} (${title(n.row.code)})`);
      if (names.length > 0) {
        m.values.decodedAs = names.join(', ');
      }
      for (const n of nested) {
        if (n.row.code !== m.row.code) {
          out.push([n, `the ${group} of a ${m.row.code} message`]);
        }
      }
    }
    return out;
  }

  /** Build the decoded record of a match. */
  function toDecoded(
    m: IRowMatch,
    cell: ICell | null,
    outputIndex: number,
    failing: number | null,
    via: string | null
  ): IDecoded {
    const row = m.row;
    const line =
      (row.lineAt && cell && lineOf(cell.source, row.lineAt)) || failing;
    const values = { ...m.values };
    if (cell && line && !values.model) {
      const sourceLine = cell.source.split('\n')[line - 1] ?? '';
      const model = /\bbase_model\s*=\s*['"]([^'"]+)['"]/.exec(sourceLine);
      if (model) {
        values.model = model[1];
      }
    }
    const clean: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      // The SDK prints durations with every digit (150.4322839450001).
      const shown =
        /seconds$/i.test(name) && /^\d+\.\d{2,}$/.test(value)
          ? Number(value).toFixed(1)
          : value;
      clean[name] = redact(shown).slice(0, 200);
    }
    const entry = CATALOGUE[row.code];
    const message = redact(m.message.trim());
    return {
      code: row.code,
      rowId: row.id,
      severity: row.severity ?? entry.severity,
      cause: fillTemplate(row.cause, clean),
      fix: row.fix ? fillTemplate(row.fix, clean) : entry.fix,
      message:
        message.length > MAX_MESSAGE
          ? `${message.slice(0, MAX_MESSAGE)}…`
          : message,
      values: clean,
      line,
      outputIndex,
      via
    };
  }

  /** The 1-based line of the first source line matching, or null. */
  function lineOf(source: string, re: RegExp): number | null {
    const index = source.split('\n').findIndex(l => re.test(l));
    return index >= 0 ? index + 1 : null;
  }

  /** The catalogue title of a code. */
  function title(code: string): string {
    return CATALOGUE[code]?.title ?? code;
  }
}
