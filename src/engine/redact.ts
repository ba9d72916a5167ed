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
 * `api_key=`-style pairs (also `apiKey:`, `os.environ["HF_TOKEN"] = …` and
 * `--api-key VALUE`) and `*_API_KEY=` assignments, Tinker (`tml-`),
 * OpenAI-style (`sk-`), Hugging Face (`hf_`), GitHub, Slack and Google
 * keys, AWS access key ids, bearer tokens, JWTs and PEM private keys.
 *
 * Ordinary text stays readable: tokenizer settings (`eos_token="<|im_end|>"`,
 * `token: 151643`), values that are code (`api_key=os.environ[...]`,
 * `None`), request and session ids, model names and paths. Applying it
 * twice changes nothing.
 */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string' || text === '') {
    return text;
  }
  return text
    .replace(Private.PEM, REDACTED)
    .replace(Private.URL_CREDENTIALS, `$1${REDACTED}@`)
    .replace(Private.QUERY_PARAM, Private.query)
    .replace(Private.HEADER, `$1$2$3${REDACTED}$3`)
    .replace(Private.PAIR, Private.pair)
    .replace(Private.CAMEL_PAIR, Private.pair)
    .replace(Private.FLAG, Private.flag)
    .replace(Private.BEARER, `$1 ${REDACTED}`)
    .replace(Private.KEY, REDACTED)
    .replace(Private.JWT, REDACTED);
}

namespace Private {
  /**
   * `scheme://user:pass@` (or `scheme://token@`). The scheme is at most 32
   * characters, so a long run of `a-a-…` is not rescanned at every word.
   */
  export const URL_CREDENTIALS =
    /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)[^\s/?#@'"<>]+@/g;

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

  /** The words a secret's name ends in (matched case-insensitively). */
  const SECRET_NAME =
    '(?:api[_-]?key|(?:secret|access|private)[_-]?key|token|secret|' +
    'password|passwd)';

  /**
   * At most this many name characters before the secret word
   * (`my_service_api_key`): a bound keeps matching linear on long runs of
   * dashes or words. A longer name still matches from a point inside it
   * (see `START`), so its value is hidden all the same.
   */
  const PREFIX = 64;

  /** A name's prefix before the secret word, e.g. `TINKER_` or `x-`. */
  const NAME_PREFIX = `(?:[\\w-]{0,${PREFIX}}[_-])?`;

  /** Where a name may start: a word boundary, or deep inside a long name. */
  const START = `(?:\\b|(?<=[\\w-]{${PREFIX}}))`;

  /** A pair's value: quoted (group 3 is the quote, group 4 the value). */
  const VALUE =
    '((?<=\')[^\'\\r\\n]*|(?<=")[^"\\r\\n]*|' + '(?<![\'"])[^\\s\'",;&})]+)\\3';

  /**
   * `api_key=…`, `"token": "…"`, `X-API-Key: …`, `TINKER_API_KEY=…`,
   * `os.environ["HF_TOKEN"] = "…"` and the like: a name ending in a secret
   * word, then `=` or `:`, then the value (group 4).
   */
  export const PAIR = new RegExp(
    `${START}(${NAME_PREFIX}${SECRET_NAME})` +
      `(['"]?\\]?\\s*[:=]\\s*)${quoted}${VALUE}`,
    'gi'
  );

  /** `apiKey: …`, `accessToken = "…"`: camelCase names (case matters). */
  export const CAMEL_PAIR = new RegExp(
    '\\b((?:api|[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*?(?:Api|API))Key|' +
      '[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*?' +
      '(?:(?:Secret|Access|Private)Key|Token|Secret|Password|Passwd))' +
      `(['"]?\\]?\\s*[:=]\\s*)${quoted}${VALUE}`,
    'g'
  );

  /**
   * `--api-key VALUE`, `--hf-token VALUE` on a command line (a flag with
   * a longer prefix than `PREFIX` matches from inside its name).
   */
  export const FLAG = new RegExp(
    `((?:--|(?<=[\\w-]{${PREFIX}}))(?:[\\w-]{0,${PREFIX}}-)?${SECRET_NAME})` +
      `(\\s+)(?!-)([^\\s'"]+)`,
    'gi'
  );

  /**
   * Names that end in "token" but are tokenizer settings, not secrets:
   * `eos_token`, `pad_token`, `im_end_token`, `eosToken`, …
   */
  const TOKENIZER_NAME = new RegExp(
    '(?:^|[_-])(?:eos|bos|pad|unk|sep|cls|mask|eot|sot|im_start|im_end|' +
      'start|end|stop|special|additional_special|bad|image|vision|audio|' +
      'video|think)[_-]?token$|' +
      '^(?:eos|bos|pad|unk|sep|cls|mask|eot|stop|start|end|special|' +
      'image)Token$',
    'i'
  );

  /**
   * Values that are not secrets (tokenizer settings never are, see `pair`):
   * empty, `None`/`null`/booleans, a token id after a bare `token`
   * (`token: 151643`, not `auth_token=123456`), and, when not quoted, code
   * that reads the secret from elsewhere (`os.environ[`, `getenv(`,
   * `args.api_key`); special-token strings (`<|im_end|>`) and values
   * already redacted.
   */
  function notSecret(name: string, value: string, quote: string): boolean {
    return (
      value === '' ||
      value === REDACTED ||
      /^(?:None|null|undefined|nil|True|False|true|false)$/.test(value) ||
      (/^token$/i.test(name) && /^-?\d{1,7}$/.test(value)) ||
      (quote === '' &&
        (/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*[[(]/.test(value) ||
          /^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+$/.test(value))) ||
      /^<\|?[\w/|.-]*\|?>$/.test(value)
    );
  }

  /** Replace a pair's value unless it is a tokenizer name or not secret. */
  export function pair(
    all: string,
    name: string,
    sep: string,
    quote: string,
    value: string
  ): string {
    if (TOKENIZER_NAME.test(name) || notSecret(name, value, quote)) {
      return all;
    }
    return `${name}${sep}${quote}${REDACTED}${quote}`;
  }

  /** Replace a command-line flag's value unless it is not secret. */
  export function flag(
    all: string,
    name: string,
    space: string,
    value: string
  ): string {
    const bare = name.replace(/^--/, '');
    if (TOKENIZER_NAME.test(bare) || notSecret(bare, value, '')) {
      return all;
    }
    return `${name}${space}${REDACTED}`;
  }

  /** `Bearer x`, `Basic x` outside a header. */
  export const BEARER = /\b(Bearer|Basic)\s+(?!<redacted>)[\w\-.~+/=]{6,}/g;

  /**
   * Tinker (`tml-`) and OpenAI/Anthropic-style (`sk-`) keys, Hugging Face
   * tokens (`hf_` and 30 or more letters and digits, so names such as
   * `hf_hub_download` stay), GitHub tokens, Slack tokens, Google API keys
   * and AWS access key ids.
   */
  export const KEY = new RegExp(
    [
      '\\b(?:tml|sk)-[A-Za-z0-9_-]{6,}',
      '\\bhf_[A-Za-z0-9]{30,}\\b',
      '\\bgh[pousr]_[A-Za-z0-9]{30,}\\b',
      '\\bgithub_pat_[A-Za-z0-9_]{20,}',
      '\\bxox[abposr]-[A-Za-z0-9-]{10,}',
      '\\bAIza[0-9A-Za-z_-]{35}(?![\\w-])',
      '\\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\\b'
    ].join('|'),
    'g'
  );

  /** JSON web tokens (`eyJ…`), whole or cut short. */
  export const JWT = /\beyJ[\w-]{6,}(?:\.[\w-]*){0,2}/g;

  /** A PEM private key block, to its end line (or the text's end). */
  export const PEM = new RegExp(
    '-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?' +
      '(?:-----END [A-Z ]*PRIVATE KEY-----|$)',
    'g'
  );
}
