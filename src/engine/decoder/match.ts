/**
 * Apply the decoder table to one message: which rows match, with which
 * values, and the words they produce.
 */
import { COMMON_VALUES, DECODER_TABLE } from './table';
import { IDecoderRow, IRowMatch, MessageSource } from './types';
import { redactSecrets } from '../redact';

/** What a message is read with. */
export interface IMatchContext {
  /** The traceback or stream text around the message and the cell source. */
  context: string;
  source: MessageSource;
}

/**
 * The rows matching a message, at most one per code (the first in table
 * order), with the values pulled out of the message and its context. A
 * row whose statuses the message's stated status contradicts is skipped,
 * and a row yields to the codes it names when they match too, so that one
 * error gives one code.
 */
export function matchMessage(
  message: string,
  ctx: IMatchContext,
  rows: ReadonlyArray<IDecoderRow> = DECODER_TABLE
): IRowMatch[] {
  // Most lines match no row: one pass over all patterns rules them out.
  if (!Private.anyRow(rows).test(message)) {
    return [];
  }
  const stated = statedStatuses(message);
  const found: IRowMatch[] = [];
  const codes = new Set<string>();
  for (const row of rows) {
    if (codes.has(row.code)) {
      continue;
    }
    if (row.statuses && stated.length > 0) {
      const re = row.statuses;
      if (!stated.some(code => re.test(code))) {
        continue;
      }
    }
    const values = Private.matchRow(row, message, ctx);
    if (values) {
      codes.add(row.code);
      found.push({ row, values, message });
    }
  }
  const matches = found.filter(
    m => !m.row.yieldsTo?.some(code => codes.has(code))
  );
  // A row that decodes part of the message (the heartbeat's last exception)
  // stands for the whole message: its nested decode yields the rest.
  const decoding = matches.filter(m => m.row.decodeGroup);
  return decoding.length > 0 ? decoding : matches;
}

/**
 * The HTTP statuses a message states as statuses (`Error code: 402`,
 * `status code 403`, `HTTP 402`, `status_code=402`), in order.
 */
export function statedStatuses(message: string): string[] {
  const re = new RegExp(
    '(?:Error code:|\\bstatus(?:[ _]code)?[:=]?|\\bHTTP(?:/[\\d.]+)?)' +
      '\\s*([1-5]\\d\\d)\\b',
    'gi'
  );
  const out: string[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(message)) !== null) {
    out.push(m[1]);
  }
  return out;
}

/**
 * Fill a row template: `{name}` inserts a value; a `[…]` part is dropped
 * when a value it names is missing.
 */
export function fillTemplate(
  template: string,
  values: Record<string, string>
): string {
  const optional = template.replace(/\[([^\[\]]*)\]/g, (_all, inner) =>
    Private.names(inner).every(n => values[n]) ? inner : ''
  );
  return optional.replace(/\{(\w+)\}/g, (_all, name) => values[name] ?? '?');
}

/** The named groups of a match, with suffixes like `status_2` folded. */
export function groupValues(
  match: RegExpExecArray | null
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(match?.groups ?? {})) {
    if (value !== undefined && value !== '') {
      values[name.replace(/_\d+$/, '')] = value;
    }
  }
  return values;
}

/** Hide secrets in text meant for findings (the shared rules). */
export function redact(text: string): string {
  return redactSecrets(text);
}

namespace Private {
  const combined = new WeakMap<ReadonlyArray<IDecoderRow>, RegExp>();

  /** One pattern matching wherever some row's pattern matches. */
  export function anyRow(rows: ReadonlyArray<IDecoderRow>): RegExp {
    let re = combined.get(rows);
    if (!re) {
      // Group names may repeat across rows: drop them here.
      const sources = rows.map(
        row => `(?:${row.pattern.source.replace(/\(\?<\w+>/g, '(?:')})`
      );
      re = new RegExp(sources.join('|') || '(?!)');
      combined.set(rows, re);
    }
    return re;
  }

  /** The values of a row that matches, or null. */
  export function matchRow(
    row: IDecoderRow,
    message: string,
    ctx: IMatchContext
  ): Record<string, string> | null {
    if (row.sources && !row.sources.includes(ctx.source)) {
      return null;
    }
    const hit = row.pattern.exec(message);
    if (!hit) {
      return null;
    }
    if (row.forbidsAny?.some(re => re.test(message))) {
      return null;
    }
    const fromContext: Record<string, string> = {};
    const text = `${message}\n${ctx.context}`;
    if (row.requiresAll) {
      for (const re of row.requiresAll) {
        const m = re.exec(text);
        if (!m) {
          return null;
        }
        Object.assign(fromContext, groupValues(m));
      }
    }
    if (row.requiresAny) {
      const m = row.requiresAny
        .map(re => re.exec(text))
        .find(found => found !== null);
      if (!m) {
        return null;
      }
      Object.assign(fromContext, groupValues(m));
    }
    const own = groupValues(hit);
    for (const [group, allowed] of Object.entries(row.groupIn ?? {})) {
      if (!own[group] || !allowed.includes(own[group])) {
        return null;
      }
    }
    return { ...common(message), ...fromContext, ...own };
  }

  /** The values every message may carry. */
  export function common(message: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const re of COMMON_VALUES) {
      for (const [name, value] of Object.entries(
        groupValues(re.exec(message))
      )) {
        values[name] = values[name] ?? value;
      }
    }
    return values;
  }

  /** The value names a template part refers to. */
  export function names(part: string): string[] {
    const found: string[] = [];
    const re = /\{(\w+)\}/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(part)) !== null) {
      found.push(m[1]);
    }
    return found;
  }
}
