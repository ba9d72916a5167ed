/**
 * Declared requirements (TD105, and TD106's "older than the cookbook
 * requires"): every requirement that the installed tinker, tinker-cookbook
 * or any other distribution in `facts.requirements` declares, checked
 * against the installed versions. Nothing here names a package or a bad
 * version: the rules come from the installed metadata.
 *
 * Policy, kept simple on purpose:
 * - a requirement guarded by an `extra == "…"` marker is skipped: it applies
 *   only when that extra was asked for, which the facts cannot tell;
 * - other markers are evaluated against the kernel's Python version; one
 *   that needs something the facts do not give (the platform) is skipped
 *   with a note;
 * - a required package that the facts do not list, or list as not
 *   installed, is not a violation (TD105 is about installed versions).
 */
import { IFacts } from '../facts';
import {
  IVersion,
  normalizeName,
  parseRequirement,
  parseVersion,
  satisfiesSpecifier
} from '../pep440';
import { evaluateMarker, MarkerEnvironment, mentionsExtra } from './envMarkers';

/** An installed distribution as the facts report it. */
export interface IInstalled {
  /** The name as the facts spell it. */
  name: string;
  /** The normalized name. */
  key: string;
  /** The version string, or null when not installed. */
  version: string | null;
  /** The parsed version, or null when absent or not PEP 440. */
  parsed: IVersion | null;
}

/** One installed package outside a declared requirement. */
export interface IViolation {
  /** Normalized name of the required package. */
  key: string;
  name: string;
  version: string;
  specifier: string;
  declarer: string;
  /** One line for the evidence. */
  text: string;
}

/** Read `facts.packages` into a map keyed by normalized name. */
export function installedPackages(
  packages: Record<string, unknown>
): Map<string, IInstalled> {
  const map = new Map<string, IInstalled>();
  for (const [name, raw] of Object.entries(packages)) {
    const version = typeof raw === 'string' && raw.trim() ? raw.trim() : null;
    map.set(normalizeName(name), {
      name,
      key: normalizeName(name),
      version,
      parsed: parseVersion(version)
    });
  }
  return map;
}

/**
 * Whether the facts say tinker is not installed: they list packages, and
 * tinker is absent or null. An empty package list says nothing.
 */
export function tinkerMissing(facts: IFacts | undefined): boolean {
  const packages = facts?.packages;
  if (!packages || typeof packages !== 'object') {
    return false;
  }
  const installed = installedPackages(packages);
  if (!installed.size) {
    return false;
  }
  const tinker = installed.get('tinker');
  return !tinker || tinker.version === null;
}

/** The marker variables the facts give (the Python version). */
export function markerEnvironment(facts: IFacts): MarkerEnvironment {
  const env: MarkerEnvironment = {};
  const raw = facts.python?.version;
  const full =
    typeof raw === 'string' ? /^\s*(\d+\.\d+(\.\d+)?)/.exec(raw) : null;
  if (full) {
    env.python_full_version = full[1];
    env.python_version = full[1].split('.').slice(0, 2).join('.');
  }
  const platform = (facts.python as Record<string, unknown> | undefined)
    ?.platform;
  if (typeof platform === 'string' && platform) {
    // Not in facts@1 yet: used when an agent adds `python.platform`.
    env.sys_platform = platform;
  }
  return env;
}

/**
 * Check every declared requirement; violations plus notes for what could
 * not be checked.
 */
export function requirementViolations(
  facts: IFacts,
  packages: Map<string, IInstalled>
): { violations: IViolation[]; notes: string[] } {
  const violations: IViolation[] = [];
  const notes: string[] = [];
  const declared = facts.requirements;
  if (!declared || typeof declared !== 'object') {
    return { violations, notes };
  }
  const env = markerEnvironment(facts);
  for (const [declarer, list] of Object.entries(declared)) {
    const own = packages.get(normalizeName(declarer));
    if ((own && own.version === null) || !Array.isArray(list)) {
      continue;
    }
    for (const text of list) {
      const result = Private.check(String(text), declarer, env, packages);
      if (typeof result === 'string') {
        notes.push(result);
      } else if (result) {
        violations.push(result);
      }
    }
  }
  return { violations, notes };
}

namespace Private {
  /** A violation, a note (string), or null when fine or not applicable. */
  export function check(
    text: string,
    declarer: string,
    env: MarkerEnvironment,
    packages: Map<string, IInstalled>
  ): IViolation | string | null {
    const req = parseRequirement(text);
    if (!req) {
      return (
        `Could not read the requirement "${text}" declared by ` +
        `${declarer}; it was not checked.`
      );
    }
    if (req.marker) {
      if (mentionsExtra(req.marker)) {
        return null;
      }
      const applies = evaluateMarker(req.marker, env);
      if (applies.value === false) {
        return null;
      }
      if (applies.value === null) {
        return (
          `${declarer}'s requirement "${text}" was not checked: its marker ` +
          `could not be evaluated (${applies.reason}).`
        );
      }
    }
    const pkg = packages.get(req.key);
    if (!pkg || pkg.version === null || !req.specifier) {
      return null;
    }
    if (!pkg.parsed) {
      return (
        `${pkg.name}: version unknown ("${pkg.version}" is not a PEP 440 ` +
        `version); ${declarer}'s requirement ${req.specifier} was not checked.`
      );
    }
    const ok = satisfiesSpecifier(pkg.version, req.specifier);
    if (ok === null) {
      return (
        `Could not check ${pkg.name} ${pkg.version} against ` +
        `${req.specifier} (declared by ${declarer}).`
      );
    }
    if (ok) {
      return null;
    }
    return {
      key: req.key,
      name: pkg.name,
      version: pkg.version,
      specifier: req.specifier,
      declarer,
      text:
        `${pkg.name} ${pkg.version} is installed; ${declarer} requires ` +
        `${req.name} ${req.specifier}.`
    };
  }
}
