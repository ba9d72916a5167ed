/**
 * Build long patterns from short regular-expression literals, so that the
 * table reads one alternative per line at 80 columns.
 */

/** A pattern matching any of `parts` (named groups must stay distinct). */
export function anyOf(...parts: RegExp[]): RegExp {
  return new RegExp(parts.map(p => `(?:${p.source})`).join('|'));
}

/** A pattern matching `parts` one after another. */
export function seq(...parts: RegExp[]): RegExp {
  return new RegExp(parts.map(p => p.source).join(''));
}

/** `Error code: 402`, `status 402`, `status code 402`, `(status 402)`. */
export const STATUS = /(?:Error code:|\bstatus(?: code)?)\s*/;

/** An HTTP status as the SDK prints it; `group` names the code. */
export function status(code: string, group = ''): RegExp {
  const value = group ? `(?<${group}>${code})` : code;
  return new RegExp(`${STATUS.source}${value}\\b`);
}
