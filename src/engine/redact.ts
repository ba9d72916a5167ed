/**
 * The one place that hides secrets in text shown to the user: findings'
 * titles, evidence and notes, and the CLI's output. Every secret becomes
 * `<redacted>`; the text around it is kept so the finding still reads.
 */

/** The marker that replaces a secret. */
export const REDACTED = '<redacted>';

/**
 * Hide secrets in `text`: URL credentials, secret query parameters,
 * `Authorization`/`Proxy-Authorization` and `Cookie`/`Set-Cookie` values,
 * `api_key=`-style pairs and `*_API_KEY=` assignments, Tinker (`tml-`) and
 * `sk-` keys, bearer tokens and JWTs. Applying it twice changes nothing.
 */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string' || text === '') {
    return text;
  }
  return text
    .replace(Private.URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(Private.QUERY_PARAM, Private.query)
    .replace(Private.HEADER, `$1$2$3${REDACTED}$3`)
    .replace(Private.PAIR, `$1$2$3${REDACTED}$3`)
    .replace(Private.BEARER, `$1 ${REDACTED}`)
    .replace(Private.KEY, REDACTED)
    .replace(Private.JWT, REDACTED);
}

namespace Private {
  /** `scheme://user:pass@` (or `scheme://token@`). */
  export const URL_CREDENTIALS =
    /\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s/?#@'"<>]+@/g;

  /** `?name=value` / `&name=value`; the replacer decides by name. */
  export const QUERY_PARAM = /([?&;])([\w.-]+)=([^&#\s'"<>]*)/g;

  /** Query parameter names whose values are secrets. */
  const SECRET_PARAM =
    /token|key|secret|pass(word|wd)?|pwd|signature|^sig$|auth|credential|sess/i;

  /** Replace the value of a secret query parameter. */
  export function query(
    all: string,
    sep: string,
    name: string,
    value: string
  ): string {
    if (!value || value === REDACTED || !SECRET_PARAM.test(name)) {
      return all;
    }
    return `${sep}${name}=${REDACTED}`;
  }

  /** A value: quoted (group 3 is the quote) or a run of plain characters. */
  const quoted = `(['"]?)`;

  /** An unquoted header value: `scheme credential`, or a cookie line. */
  const unquoted =
    '(?:(?<=authorization[\'"]?\\s*[:=]\\s*)' +
    '(?:(?:Bearer|Basic|Token|Digest|Negotiate|AWS4?-[\\w-]+)\\s+)?' +
    '[^\\s,;}\'"]+|(?<=cookie[\'"]?\\s*[:=]\\s*)[^\\r\\n}\'"]+)';

  /**
   * Header-like pairs whose whole value is secret, whatever the scheme:
   * `Authorization: Token x` (scheme and credential), `'cookie': 'a=x'`
   * (to the end of the line when not quoted).
   */
  export const HEADER = new RegExp(
    '\\b((?:proxy-)?authorization|(?:set-)?cookie)' +
      `(['"]?\\s*[:=]\\s*)${quoted}` +
      `(?:(?<=')[^'\\r\\n]*|(?<=")[^"\\r\\n]*|(?<!['"])${unquoted})\\3`,
    'gi'
  );

  /**
   * `api_key=…`, `"token": "…"`, `X-API-Key: …`, `TINKER_API_KEY=…` and the
   * like: a name ending in a secret word, then `=` or `:`, then the value.
   */
  export const PAIR = new RegExp(
    '\\b((?:[\\w-]*[_-])?(?:api[_-]?key|token|secret|password|passwd))' +
      `(['"]?\\s*[:=]\\s*)${quoted}` +
      `(?:(?<=')[^'\\r\\n]*|(?<=")[^"\\r\\n]*|(?<![\'"])[^\\s'",;&}]+)\\3`,
    'gi'
  );

  /** `Bearer x`, `Basic x` outside a header. */
  export const BEARER = /\b(Bearer|Basic)\s+(?!<redacted>)[\w\-.~+/=]{6,}/g;

  /** Tinker and other prefixed API keys. */
  export const KEY = /\b(?:tml|sk)-[A-Za-z0-9_-]{6,}/g;

  /** JSON web tokens (`eyJ…`), whole or cut short. */
  export const JWT = /\beyJ[\w-]{6,}(?:\.[\w-]*){0,2}/g;
}
