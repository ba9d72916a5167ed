/**
 * Error objects shown as values. A cell whose last expression is
 * `future.exception()`, an exception it caught, or the list
 * `asyncio.gather(..., return_exceptions=True)` returns shows the error as
 * an `execute_result` (or `display_data`) whose `text/plain` is its repr:
 * `BillingError("Error code: 402 - {...}")`, `RequestFailedResponse(error=
 * '...', category=...)`, `<Future at 0x7f… state=finished raised
 * RateLimitError>`. This module finds those reprs and turns each into the
 * `Type: message` form a traceback's last line has, for the decoder table.
 *
 * Only the repr shape counts (an exception-like class name directly
 * followed by its arguments, or a future that raised): ordinary text that
 * mentions an error is not read here, and the table rows still need their
 * own specific patterns.
 */

/** Longest text/plain scanned, in characters. */
const MAX_SCAN = 100_000;

/** Most reprs read from one output. */
const MAX_REPRS = 50;

/** Longest argument text kept per repr, in characters. */
const MAX_ARGS = 4_000;

/**
 * The start of an error repr: a dotted class name ending in Error,
 * Exception or ExceptionGroup, or one of the SDK's failed-result types,
 * then `(`. Not preceded by a word character or a dot-less identifier
 * part, so `my_Error(` inside a longer name does not count.
 */
const REPR_START = new RegExp(
  '(?<![\\w.])((?:[A-Za-z_]\\w*\\.)*(?:(?=[A-Z])\\w*(?:Error|Exception|' +
    'ExceptionGroup)|RequestFailedResponse|FutureFailed|SessionFailed|' +
    'ClientSessionFinishErrored))\\(',
  'g'
);

/** A concurrent or asyncio future that finished with an exception. */
const FUTURE_RAISED =
  /\bstate=finished raised (?<type>(?:[A-Za-z_]\w*\.)*[A-Z]\w*)>/g;

/**
 * The error reprs in a `text/plain` value, each as `Type: arguments` (the
 * string arguments unquoted), in order. Reprs nested in another repr are
 * part of its text, not separate entries.
 */
export function errorReprs(text: string): string[] {
  if (typeof text !== 'string' || text === '') {
    return [];
  }
  const scanned = text.slice(0, MAX_SCAN);
  const out: string[] = [];
  REPR_START.lastIndex = 0;
  let m: RegExpExecArray | null;
  while (out.length < MAX_REPRS && (m = REPR_START.exec(scanned)) !== null) {
    const open = m.index + m[0].length;
    const close = Private.closingParen(scanned, open);
    const args = Private.unquote(
      scanned.slice(open, Math.min(close, open + MAX_ARGS))
    ).trim();
    out.push(args ? `${m[1]}: ${args}` : m[1]);
    REPR_START.lastIndex = Math.max(open, close);
  }
  FUTURE_RAISED.lastIndex = 0;
  while (out.length < MAX_REPRS && (m = FUTURE_RAISED.exec(scanned)) !== null) {
    out.push(m.groups!.type);
  }
  return out;
}

namespace Private {
  /**
   * The index of the `)` closing the call whose arguments start at `from`
   * (quotes respected), or the text's end when it was cut short.
   */
  export function closingParen(text: string, from: number): number {
    let depth = 1;
    let i = from;
    while (i < text.length) {
      const ch = text[i];
      if (ch === "'" || ch === '"') {
        i = literalEnd(text, i);
        continue;
      }
      if (ch === '(' || ch === '[' || ch === '{') {
        depth++;
      } else if (ch === ')' || ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) {
          return i;
        }
      }
      i++;
    }
    return text.length;
  }

  /** The index just after the string literal opening at `start`. */
  export function literalEnd(text: string, start: number): number {
    const quote = text[start];
    let i = start + 1;
    while (i < text.length && text[i] !== quote && text[i] !== '\n') {
      i += text[i] === '\\' ? 2 : 1;
    }
    return Math.min(text.length, i + 1);
  }

  /** Python string literals replaced by their text; the rest kept. */
  export function unquote(args: string): string {
    let out = '';
    let i = 0;
    while (i < args.length) {
      const ch = args[i];
      if (ch !== "'" && ch !== '"') {
        out += ch;
        i++;
        continue;
      }
      const end = literalEnd(args, i);
      const closed = args[end - 1] === ch && end - 1 > i;
      out += unescape(args.slice(i + 1, closed ? end - 1 : end));
      i = end;
    }
    return out;
  }

  /** The common backslash escapes of a Python repr. */
  function unescape(body: string): string {
    return body.replace(/\\(.)/g, (_all, c: string) => {
      switch (c) {
        case 'n':
          return '\n';
        case 't':
          return '\t';
        default:
          return c;
      }
    });
  }
}
