/**
 * Which model a renderer name is meant for (the model named with it, or the
 * one the kernel check used) and which renderer names are known, for TD401
 * and for the "did you mean" of TD405.
 */
import { IRendererCheck } from '../facts';
import { KNOWN_RENDERERS } from './rendererTable';
import { IRendererCells, ISeen } from './rendererCells';

/**
 * The model a renderer name is meant for. The kernel check's model wins for
 * the renderer the check ran on; otherwise the model named in the same call
 * or config, else elsewhere in the same cell, else the nearest one named in
 * an earlier cell, else the last one in the notebook; else the models the
 * kernel saw in use.
 */
export function modelFor(
  renderer: ISeen,
  cells: IRendererCells,
  check: IRendererCheck | undefined,
  modelsInUse: unknown
): string | null {
  if (Private.checkedRenderer(renderer, cells, check)) {
    return check!.model as string;
  }
  const seen = Private.pairedModel(renderer, cells.models);
  if (seen) {
    return seen.value;
  }
  if (Array.isArray(modelsInUse) && typeof modelsInUse[0] === 'string') {
    return modelsInUse[0];
  }
  return null;
}

/**
 * The renderer names a typo is compared with: the built-in names the kernel
 * check reports (`knownRenderers`), else the bundled table; plus the custom
 * names it reports (`registeredRenderers`, or for older agents the
 * "Registered custom renderers:" list in its error) and the names the cells
 * register.
 */
export function knownNames(
  cells: IRendererCells,
  check: IRendererCheck | undefined
): string[] {
  const known = Private.strings(check?.knownRenderers);
  const registered = [
    ...Private.strings(check?.registeredRenderers),
    ...Private.registeredFromError(check?.error),
    ...cells.registered
  ];
  return [
    ...new Set([...(known.length > 0 ? known : KNOWN_RENDERERS), ...registered])
  ];
}

/**
 * Whether a renderer name is known: in the bundled table, registered in
 * the cells, or reported by the kernel check as built in or registered
 * (a newer cookbook, a registration made in an imported module).
 */
export function isKnownName(
  name: string,
  cells: IRendererCells,
  check: IRendererCheck | undefined
): boolean {
  return (
    KNOWN_RENDERERS.includes(name) ||
    cells.registered.has(name) ||
    Private.strings(check?.knownRenderers).includes(name) ||
    Private.strings(check?.registeredRenderers).includes(name)
  );
}

/**
 * The names to suggest for a misspelt renderer name: the kernel check's
 * own `didYouMean` when it is about this name, else the nearest known name.
 */
export function suggestedNames(
  name: string,
  pool: ReadonlyArray<string>,
  check: IRendererCheck | undefined
): string[] {
  const fromCheck = Private.strings(check?.didYouMean).filter(n => n !== name);
  if (check?.unknownRenderer === name && fromCheck.length > 0) {
    return fromCheck;
  }
  const near = nearestName(name, pool);
  return near ? [near] : [];
}

/** " Did you mean a or b?" for the suggested names, or ''. */
export function didYouMean(names: ReadonlyArray<string>): string {
  return names.length > 0 ? ` Did you mean ${names.join(' or ')}?` : '';
}

/** The known name nearest to a misspelt one (small edit distance), or null. */
export function nearestName(
  name: string,
  pool: ReadonlyArray<string>
): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of pool) {
    if (candidate === name) {
      continue;
    }
    const d = Private.editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(name.length / 4));
  return best !== null && bestDistance <= limit ? best : null;
}

namespace Private {
  /** The strings of an array field (other items, non-arrays dropped). */
  export function strings(value: unknown): string[] {
    return Array.isArray(value)
      ? value.filter((x): x is string => typeof x === 'string' && x !== '')
      : [];
  }

  /** Whether the kernel check ran on this renderer (so its model wins). */
  export function checkedRenderer(
    renderer: ISeen,
    cells: IRendererCells,
    check: IRendererCheck | undefined
  ): boolean {
    if (typeof check?.model !== 'string' || !check.model) {
      return false;
    }
    if (typeof check.renderer === 'string' && check.renderer) {
      return check.renderer === renderer.value;
    }
    // Older facts without the renderer: only unambiguous with one name.
    return new Set(cells.renderers.map(r => r.value)).size === 1;
  }

  /** The model named with a renderer (see `modelFor`), or null. */
  export function pairedModel(renderer: ISeen, models: ISeen[]): ISeen | null {
    const at = renderer.offset ?? 0;
    const sameCell = models.filter(m => m.cellIndex === renderer.cellIndex);
    const spans = [...(renderer.enclosing ?? [])].reverse();
    for (const [open, close] of spans) {
      const inside = sameCell.filter(
        m => (m.offset ?? 0) > open && (m.offset ?? 0) < close
      );
      if (inside.length > 0) {
        return nearest(inside, at);
      }
    }
    const before = sameCell.filter(m => (m.offset ?? 0) < at);
    if (before.length > 0) {
      return before[before.length - 1];
    }
    if (sameCell.length > 0) {
      return sameCell[0];
    }
    const earlier = models.filter(m => m.cellIndex < renderer.cellIndex);
    if (earlier.length > 0) {
      return earlier[earlier.length - 1];
    }
    return models.length > 0 ? models[models.length - 1] : null;
  }

  /** The seen value closest to an offset (the earlier one on a tie). */
  function nearest(list: ISeen[], at: number): ISeen {
    return list.reduce((best, m) =>
      Math.abs((m.offset ?? 0) - at) < Math.abs((best.offset ?? 0) - at)
        ? m
        : best
    );
  }

  /** Names after "Registered custom renderers:" in the check's error. */
  export function registeredFromError(error: unknown): string[] {
    if (typeof error !== 'string') {
      return [];
    }
    const m = /Registered custom renderers:\s*(.*)$/.exec(error);
    if (!m || m[1].trim() === 'none') {
      return [];
    }
    return m[1]
      .split(',')
      .map(n => n.trim().replace(/\.$/, ''))
      .filter(n => /^[\w.\-]+$/.test(n));
  }

  /** Levenshtein distance between two short strings. */
  export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++) {
        current[j] = Math.min(
          previous[j] + 1,
          current[j - 1] + 1,
          previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)
        );
      }
      previous = current;
    }
    return previous[b.length];
  }
}
