/**
 * Small readers of `@lezer/python` nodes, given the source text they index.
 */
import { SyntaxNode } from '@lezer/common';

/** The source text of a node. */
export function src(text: string, node: SyntaxNode): string {
  return text.slice(node.from, node.to);
}

/** Dotted text of a pure name chain (`a`, `self.tc`), else null. */
export function dotted(text: string, node: SyntaxNode): string | null {
  if (node.name === 'VariableName') {
    return src(text, node);
  }
  if (node.name === 'MemberExpression') {
    const obj = node.firstChild;
    const prop = node.lastChild;
    if (obj && prop && prop.name === 'PropertyName') {
      const base = dotted(text, obj);
      return base === null ? null : `${base}.${src(text, prop)}`;
    }
  }
  return null;
}

/** Parameter names of a `ParamList` (defaults and annotations left out). */
export function params(text: string, list: SyntaxNode | null): string[] {
  const names: string[] = [];
  if (!list) {
    return names;
  }
  let previous = '';
  for (let c = list.firstChild; c; c = c.nextSibling) {
    if (c.name === 'VariableName' && previous !== 'AssignOp') {
      names.push(src(text, c));
    }
    previous = c.name;
  }
  return names;
}

/** Split `for T in I` children into targets and iterable nodes. */
export function header(
  text: string,
  node: SyntaxNode
): {
  targets: string[];
  iter: SyntaxNode[];
} {
  const targets: string[] = [];
  const iter: SyntaxNode[] = [];
  let phase: 'before' | 'targets' | 'iter' = 'before';
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === 'for') {
      phase = 'targets';
    } else if (c.name === 'in' && phase === 'targets') {
      phase = 'iter';
    } else if (c.name === 'Body' || c.name === 'if') {
      phase = 'before';
    } else if (phase === 'targets' && c.name === 'VariableName') {
      targets.push(src(text, c));
    } else if (phase === 'iter') {
      iter.push(c);
    }
  }
  return { targets, iter };
}

/** The single assignment target of a value node, or null. */
export function targetOf(text: string, value: SyntaxNode): string | null {
  const parent = value.parent;
  if (!parent || parent.name !== 'AssignStatement') {
    return null;
  }
  if (parent.lastChild?.from !== value.from) {
    return null;
  }
  const targets: SyntaxNode[] = [];
  for (let c = parent.firstChild; c && c.from < value.from; c = c.nextSibling) {
    if (c.name !== 'AssignOp' && c.name !== ',') {
      targets.push(c);
    }
  }
  return targets.length === 1 ? dotted(text, targets[0]) : null;
}

/** The 1-based line of an offset, given the offsets of line starts. */
export function lineAt(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo + 1;
}
