/**
 * PEP 508 environment markers (`python_version < "3.12" and sys_platform ==
 * "linux"`), evaluated against what the facts tell about the kernel.
 *
 * Evaluation is three-valued: a marker that needs a value the facts do not
 * give (the platform, say) is `null`, and the requirement it guards is then
 * skipped with a note rather than guessed at. Written by hand because the
 * PEP 440 library has no marker support; the grammar is small.
 */
import { compareVersions } from '../pep440';

/** Marker variables known for the kernel; absent ones are unknown. */
export type MarkerEnvironment = Partial<Record<string, string>>;

/** The outcome of evaluating a marker. */
export interface IMarkerResult {
  /** True or false when decided, null when a needed value is unknown. */
  value: boolean | null;
  /** Why it is null: the unknown variables, or a syntax problem. */
  reason?: string;
}

/** Whether a marker mentions `extra`, i.e. applies only to an extra. */
export function mentionsExtra(marker: string): boolean {
  return Private.tokenize(marker)?.some(t => t === 'extra') ?? false;
}

/** Evaluate a marker against the given variables. */
export function evaluateMarker(
  marker: string,
  env: MarkerEnvironment
): IMarkerResult {
  const tokens = Private.tokenize(marker);
  if (!tokens) {
    return { value: null, reason: `unreadable marker "${marker}"` };
  }
  const parser = new Private.Parser(tokens, env);
  try {
    const value = parser.orExpr();
    if (parser.pos !== tokens.length) {
      return { value: null, reason: `unreadable marker "${marker}"` };
    }
    if (value === null) {
      const names = Array.from(parser.unknown).join(', ');
      return { value: null, reason: `unknown ${names}` };
    }
    return { value };
  } catch {
    return { value: null, reason: `unreadable marker "${marker}"` };
  }
}

namespace Private {
  // Parentheses, operators, quoted strings, names (variables and keywords).
  const TOKEN = new RegExp(
    [
      '\\s*(?:(\\()|(\\))',
      '(===|==|!=|<=|>=|~=|<|>)',
      '("[^"]*"|\'[^\']*\')',
      '([A-Za-z_][A-Za-z0-9_.]*))'
    ].join('|'),
    'y'
  );

  /** Split a marker into tokens; null on a character that fits none. */
  export function tokenize(text: string): string[] | null {
    const tokens: string[] = [];
    TOKEN.lastIndex = 0;
    let pos = 0;
    while (pos < text.length) {
      if (/^\s*$/.test(text.slice(pos))) {
        break;
      }
      TOKEN.lastIndex = pos;
      const match = TOKEN.exec(text);
      if (!match) {
        return null;
      }
      tokens.push(match.slice(1).find(Boolean) as string);
      pos = TOKEN.lastIndex;
    }
    return tokens;
  }

  const VERSION_VARIABLES = new Set([
    'python_version',
    'python_full_version',
    'implementation_version',
    'platform_release'
  ]);

  /** Recursive descent over `or`, `and`, parentheses and comparisons. */
  export class Parser {
    constructor(
      private readonly tokens: string[],
      private readonly env: MarkerEnvironment
    ) {}

    pos = 0;
    unknown = new Set<string>();

    orExpr(): boolean | null {
      let value = this.andExpr();
      while (this.tokens[this.pos] === 'or') {
        this.pos++;
        const right = this.andExpr();
        if (value === true || right === true) {
          value = true;
        } else if (value === null || right === null) {
          value = null;
        }
      }
      return value;
    }

    andExpr(): boolean | null {
      let value = this.atom();
      while (this.tokens[this.pos] === 'and') {
        this.pos++;
        const right = this.atom();
        if (value === false || right === false) {
          value = false;
        } else if (value === null || right === null) {
          value = null;
        }
      }
      return value;
    }

    atom(): boolean | null {
      if (this.tokens[this.pos] === '(') {
        this.pos++;
        const value = this.orExpr();
        if (this.tokens[this.pos++] !== ')') {
          throw new Error('unbalanced parenthesis');
        }
        return value;
      }
      const left = this.value();
      const op = this.operator();
      const right = this.value();
      if (left.value === null || right.value === null) {
        return null;
      }
      return this.compare(left, op, right);
    }

    private value(): { value: string | null; variable: string | null } {
      const token = this.tokens[this.pos++];
      if (token === undefined) {
        throw new Error('marker ends early');
      }
      if (/^["']/.test(token)) {
        return { value: token.slice(1, -1), variable: null };
      }
      if (!/^[A-Za-z_]/.test(token) || token === 'and' || token === 'or') {
        throw new Error(`unexpected ${token}`);
      }
      const known = this.env[token];
      if (known === undefined) {
        this.unknown.add(token);
        return { value: null, variable: token };
      }
      return { value: known, variable: token };
    }

    private operator(): string {
      const token = this.tokens[this.pos++];
      if (token === 'not' && this.tokens[this.pos] === 'in') {
        this.pos++;
        return 'not in';
      }
      if (token === 'in' || /^(===|==|!=|<=|>=|~=|<|>)$/.test(token ?? '')) {
        return token;
      }
      throw new Error(`expected an operator, got ${token}`);
    }

    private compare(
      left: { value: string | null; variable: string | null },
      op: string,
      right: { value: string | null; variable: string | null }
    ): boolean | null {
      const a = left.value as string;
      const b = right.value as string;
      if (op === 'in') {
        return b.includes(a);
      }
      if (op === 'not in') {
        return !b.includes(a);
      }
      const versioned =
        VERSION_VARIABLES.has(left.variable ?? '') ||
        VERSION_VARIABLES.has(right.variable ?? '');
      const order = versioned ? compareVersions(a, b) : null;
      if (order === null) {
        // PEP 508: fall back to string comparison for == and != only.
        if (op === '==' || op === '===') {
          return a === b;
        }
        if (op === '!=') {
          return a !== b;
        }
        return null;
      }
      switch (op) {
        case '==':
        case '===':
          return order === 0;
        case '!=':
          return order !== 0;
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        case '>=':
          return order >= 0;
        default:
          // `~=` on a marker value: compatible release of the right side.
          return order >= 0 && Private.samePrefix(a, b);
      }
    }
  }

  /** For `~=`: all but the last release component of `b` equal `a`'s. */
  export function samePrefix(a: string, b: string): boolean {
    const head = b.split('.').slice(0, -1);
    const parts = a.split('.');
    return head.every((part, i) => parts[i] === part);
  }
}
