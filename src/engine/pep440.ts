/**
 * PEP 440 versions and PEP 508 requirement strings, as Python packaging
 * reports them (`importlib.metadata.version` and `.requires`).
 *
 * Versions and specifiers are handled by `@renovatebot/pep440`; this module
 * only turns its exceptions into `null` ("unknown"), so that a strange
 * version string in someone's environment is reported as unknown and never
 * crashes a rule or produces a false finding. Requirement strings are split
 * by hand because the library has no PEP 508 parser.
 */
import {
  compare as pepCompare,
  explain,
  satisfies as pepSatisfies,
  validRange
} from '@renovatebot/pep440';

/** A parsed PEP 440 version. */
export interface IVersion {
  /** The string as given. */
  text: string;
  epoch: number;
  /** The release segment, e.g. `[2, 13, 0]`. */
  release: number[];
  /** The pre-release label and number, e.g. `['b', 1]`, or null. */
  pre: [string, number] | null;
  post: number | null;
  dev: number | null;
  /** The local label after `+`, e.g. `cu128`, or null. */
  local: string | null;
  /** True for pre-releases and dev builds (PEP 440's definition). */
  isPrerelease: boolean;
  isDevRelease: boolean;
  isPostRelease: boolean;
}

/**
 * Parse a PEP 440 version; null when the string is not a version.
 *
 * `2.13.0b1`, `5.3.0.dev0`, `2.8.0+cu128` and `4.57.6.post1` all parse.
 */
export function parseVersion(text: string | null | undefined): IVersion | null {
  if (typeof text !== 'string' || !text.trim()) {
    return null;
  }
  let raw: ReturnType<typeof explain>;
  try {
    raw = explain(text.trim());
  } catch {
    return null;
  }
  if (!raw) {
    return null;
  }
  return {
    text,
    epoch: raw.epoch,
    release: raw.release.slice(),
    pre: Private.pre(raw.pre),
    post: Private.num(raw.post),
    dev: Private.num(raw.dev),
    local: raw.local,
    isPrerelease: raw.is_prerelease,
    isDevRelease: raw.is_devrelease,
    isPostRelease: raw.is_postrelease
  };
}

/**
 * Compare two versions: negative, zero or positive, or null when either
 * does not parse.
 */
export function compareVersions(a: string, b: string): number | null {
  if (!parseVersion(a) || !parseVersion(b)) {
    return null;
  }
  try {
    return pepCompare(a.trim(), b.trim());
  } catch {
    return null;
  }
}

/** Whether a version is a pre-release or dev build; null when unparseable. */
export function isPrerelease(text: string | null | undefined): boolean | null {
  const version = parseVersion(text);
  return version ? version.isPrerelease : null;
}

/** Whether a version is a dev build; null when unparseable. */
export function isDevRelease(text: string | null | undefined): boolean | null {
  const version = parseVersion(text);
  return version ? version.isDevRelease : null;
}

/** Whether a specifier such as `!=5.4.*,<=5.5.4,>=4.57.6` is valid. */
export function isValidSpecifier(specifier: string): boolean {
  return Private.memo(`valid ${specifier}`, () => {
    try {
      return specifier.trim() === '' || validRange(specifier.trim());
    } catch {
      return false;
    }
  });
}

/**
 * Whether an *installed* version satisfies a specifier; null when the
 * version or the specifier does not parse.
 *
 * Pre-releases are allowed: they matter to pip when it chooses what to
 * install, not when it checks what is installed. PEP 440's exclusive
 * ordering still applies (`<2.13` does not admit `2.13.0b1`).
 */
export function satisfiesSpecifier(
  version: string,
  specifier: string
): boolean | null {
  if (!parseVersion(version) || !isValidSpecifier(specifier)) {
    return null;
  }
  if (!specifier.trim()) {
    return true;
  }
  return Private.memo(`satisfies ${version} ${specifier}`, () => {
    try {
      return pepSatisfies(version.trim(), specifier.trim(), {
        prereleases: true
      });
    } catch {
      return null;
    }
  });
}

/** A parsed PEP 508 requirement string. */
export interface IRequirement {
  /** The string as given. */
  text: string;
  /** The distribution name as written. */
  name: string;
  /** The name normalized (PEP 503): lower case, runs of `-_.` as `-`. */
  key: string;
  extras: string[];
  /** The version specifier without parentheses, '' when none. */
  specifier: string;
  /** The environment marker after `;`, or null. */
  marker: string | null;
  /** The URL of a direct reference (`name @ url`), or null. */
  url: string | null;
}

/** Normalize a distribution name as PEP 503 does. */
export function normalizeName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[-_.]+/g, '-');
}

/**
 * Parse a requirement such as `httpx[http2]<1,>=0.23.0`, `foo (>=1.0)` or
 * `torch; extra == "torch"`; null when it is not a requirement.
 */
export function parseRequirement(text: string): IRequirement | null {
  if (typeof text !== 'string') {
    return null;
  }
  const semicolon = Private.markerStart(text);
  const head = (semicolon < 0 ? text : text.slice(0, semicolon)).trim();
  const marker = semicolon < 0 ? null : text.slice(semicolon + 1).trim();
  const match = Private.HEAD.exec(head);
  if (!match) {
    return null;
  }
  const [, name, extrasText, rest] = match;
  const extras = extrasText
    ? extrasText
        .slice(1, -1)
        .split(',')
        .map(e => e.trim())
        .filter(Boolean)
    : [];
  let specifier = rest.trim();
  let url: string | null = null;
  if (specifier.startsWith('@')) {
    url = specifier.slice(1).trim();
    specifier = '';
  } else if (specifier.startsWith('(')) {
    if (!specifier.endsWith(')')) {
      return null;
    }
    specifier = specifier.slice(1, -1).trim();
  }
  if (specifier && !isValidSpecifier(specifier)) {
    return null;
  }
  return {
    text,
    name,
    key: normalizeName(name),
    extras,
    specifier,
    marker: marker || null,
    url
  };
}

namespace Private {
  /**
   * Specifier checks cost about 0.2–0.5 ms each (the library builds regular
   * expressions per call), and a live panel re-runs them every few seconds
   * over the same strings: remember the answers.
   */
  const answers = new Map<string, boolean | null>();
  const MAX_ANSWERS = 2000;

  export function memo<T extends boolean | null>(
    key: string,
    compute: () => T
  ): T {
    if (answers.has(key)) {
      return answers.get(key) as T;
    }
    const value = compute();
    if (answers.size >= MAX_ANSWERS) {
      answers.clear();
    }
    answers.set(key, value);
    return value;
  }

  /** Name, optional `[extras]`, then the rest (specifier or `@ url`). */
  export const HEAD =
    /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?\s*(.*)$/;

  /** The `;` that starts the marker, skipping one inside a URL fragment. */
  export function markerStart(text: string): number {
    const at = text.indexOf('@');
    if (at < 0) {
      return text.indexOf(';');
    }
    // In `name @ url ; marker` PEP 508 requires a space before the `;`.
    const spaced = text.indexOf(' ;', at);
    return spaced < 0 ? -1 : spaced + 1;
  }

  export function pre(value: unknown): [string, number] | null {
    if (Array.isArray(value) && value.length === 2) {
      return [String(value[0]), Number(value[1])];
    }
    return null;
  }

  export function num(value: unknown): number | null {
    if (typeof value === 'number') {
      return value;
    }
    if (Array.isArray(value) && value.length) {
      const last = Number(value[value.length - 1]);
      return Number.isFinite(last) ? last : null;
    }
    return null;
  }
}
