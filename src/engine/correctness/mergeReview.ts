/**
 * Merge code review (TD201–TD203): hand-written LoRA merges, merge products
 * computed in low precision, and expert/gate-up layouts mapped wrongly.
 *
 * Reads one cell at a time with the Python grammar; a reader cannot know
 * every tensor's dtype, so each rule fires only on what the code spells out.
 */
import { SyntaxNode } from '@lezer/common';
import { parser } from '@lezer/python';
import { blankMagics } from '../analysis/magics';
import { makeFinding } from '../catalogue';
import { ICell, IFinding } from '../types';

/** The cookbook's deprecated merge script (superseded by build_hf_model). */
const DEPRECATED_SCRIPT = 'merge_tinker_adapter_to_hf_model';

/** Calls of the cookbook's own export functions: a correct merge. */
const COOKBOOK_EXPORT = /\b(build_hf_model|build_lora_adapter)\s*\(/;

/** Names that say a tensor comes from a LoRA adapter. */
const ADAPTER_WORD = /lora|adapter/i;

/** Casts to 16-bit floats, in torch and numpy spellings. */
const LOW_PRECISION =
  /\.(bfloat16|half)\s*\(|\b(torch\.)?(bfloat16|float16|half|bf16|fp16)\b/;

/** Tinker's expert names: w1 is gate, w2 is down, w3 is up. */
const EXPERT_TARGET: Record<string, string> = {
  w1: 'gate',
  w2: 'down',
  w3: 'up'
};

/**
 * Review every code cell for hand-written merges.
 */
export function reviewMergeCode(cells: ReadonlyArray<ICell>): IFinding[] {
  const findings: IFinding[] = [];
  for (const cell of cells) {
    if (cell.cellType !== 'code') {
      continue;
    }
    findings.push(...reviewCell(cell));
  }
  return findings;
}

/** Review one cell. Exported for tests. */
export function reviewCell(cell: ICell): IFinding[] {
  const source = blankMagics(cell.source);
  const at = { cellIndex: cell.index, cellId: cell.id };
  const findings: IFinding[] = [];
  // The script usually runs from a shell escape, so look at the raw source.
  const raw = cell.source;
  const script = Private.lineOf(raw, raw.indexOf(DEPRECATED_SCRIPT));
  if (raw.includes(DEPRECATED_SCRIPT)) {
    findings.push(
      makeFinding('TD201', {
        ...at,
        line: script,
        title: "The cookbook's deprecated merge script is used",
        evidence:
          `Line ${script} runs ${DEPRECATED_SCRIPT}, which does not know ` +
          'every family layout (for vision-language models it misses the ' +
          'model.language_model. prefix, so parts of the adapter are ' +
          'silently not applied).'
      })
    );
  }
  if (COOKBOOK_EXPORT.test(source)) {
    return findings;
  }
  const tree = parser.parse(source);
  const text = (n: SyntaxNode) => source.slice(n.from, n.to);
  const products = Private.mergeProducts(tree.topNode, source);
  const reportedLoops = new Set<number>();
  for (const product of products) {
    const loop = Private.enclosingLoop(product.node);
    const anchor = loop ?? product.node;
    if (!reportedLoops.has(anchor.from)) {
      reportedLoops.add(anchor.from);
      const line = Private.lineOf(source, anchor.from);
      findings.push(
        makeFinding('TD201', {
          ...at,
          line,
          evidence:
            `Line ${line} merges adapter tensors by hand ` +
            `(\`${Private.clip(text(product.node))}\`).`
        })
      );
    }
    const low = product.operands.filter(op => LOW_PRECISION.test(text(op)));
    if (low.length > 0) {
      const line = Private.lineOf(source, product.node.from);
      findings.push(
        makeFinding('TD202', {
          ...at,
          line,
          evidence:
            `Line ${line} multiplies the LoRA factors in 16-bit precision ` +
            `(\`${Private.clip(text(low[0]))}\`); the rounding shows as ` +
            'small late divergences after export.'
        })
      );
    }
  }
  findings.push(...Private.expertMappings(tree.topNode, source, at));
  findings.push(...Private.constantGateUpChoice(tree.topNode, source, at));
  return findings;
}

namespace Private {
  /** A matrix product of adapter factors. */
  export interface IProduct {
    node: SyntaxNode;
    operands: SyntaxNode[];
  }

  /** 1-based line of an offset (the first line for a missing offset). */
  export function lineOf(source: string, offset: number): number {
    if (offset < 0) {
      return 1;
    }
    return source.slice(0, offset).split('\n').length;
  }

  /** Shorten code for evidence. */
  export function clip(code: string): string {
    const one = code.replace(/\s+/g, ' ').trim();
    return one.length > 80 ? `${one.slice(0, 77)}...` : one;
  }

  function children(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      out.push(c);
    }
    return out;
  }

  function walk(node: SyntaxNode, visit: (n: SyntaxNode) => void): void {
    visit(node);
    for (let c = node.firstChild; c; c = c.nextSibling) {
      walk(c, visit);
    }
  }

  /** The loop variables and iterable text of the loops around a node. */
  function loopContext(node: SyntaxNode, source: string): string {
    let context = '';
    for (let p = node.parent; p; p = p.parent) {
      if (p.name === 'ForStatement') {
        const body = p.getChild('Body');
        context += ' ' + source.slice(p.from, body ? body.from : p.to);
      }
    }
    return context;
  }

  /** Names bound from adapter tensors anywhere in the cell. */
  function adapterNames(root: SyntaxNode, source: string): Set<string> {
    const names = new Set<string>();
    walk(root, n => {
      if (n.name !== 'AssignStatement') {
        return;
      }
      const parts = children(n);
      const op = parts.findIndex(c => c.name === 'AssignOp');
      if (op <= 0) {
        return;
      }
      const value = source.slice(parts[op + 1]?.from ?? n.to, n.to);
      if (ADAPTER_WORD.test(value)) {
        parts
          .slice(0, op)
          .filter(c => c.name === 'VariableName')
          .forEach(c => names.add(source.slice(c.from, c.to)));
      }
    });
    return names;
  }

  /** Matrix products (`@`, matmul, mm, einsum) of adapter factors. */
  export function mergeProducts(root: SyntaxNode, source: string): IProduct[] {
    const bound = adapterNames(root, source);
    const fromAdapter = (op: SyntaxNode, context: string): boolean => {
      const code = source.slice(op.from, op.to);
      if (ADAPTER_WORD.test(code)) {
        return true;
      }
      const names = code.match(/[A-Za-z_]\w*/g) ?? [];
      return names.some(
        name =>
          bound.has(name) ||
          new RegExp(`\\b${name}\\b`).test(context.split(' in ')[0] ?? '')
      );
    };
    const products: IProduct[] = [];
    walk(root, n => {
      let operands: SyntaxNode[] = [];
      if (n.name === 'BinaryExpression') {
        const parts = children(n);
        const op = parts.find(c => c.name === 'ArithOp');
        if (op && source.slice(op.from, op.to) === '@') {
          operands = parts.filter(c => c !== op);
        }
      } else if (n.name === 'CallExpression') {
        const callee = n.firstChild;
        const name = callee ? source.slice(callee.from, callee.to) : '';
        if (/(^|\.)(matmul|mm|einsum)$/.test(name)) {
          const args = n.getChild('ArgList');
          operands = args
            ? children(args).filter(c => !/^[(),]$/.test(c.name))
            : [];
        }
      }
      if (operands.length < 2) {
        return;
      }
      const context = loopContext(n, source);
      const adapterLoop = ADAPTER_WORD.test(context);
      const factors = operands.filter(
        op => fromAdapter(op, context) || (adapterLoop && isName(op, source))
      );
      if (factors.length >= 2 || (factors.length >= 1 && adapterLoop)) {
        products.push({ node: n, operands });
      }
    });
    return products;
  }

  function isName(op: SyntaxNode, source: string): boolean {
    return /^[A-Za-z_][\w.]*(\(.*\))?$/s.test(source.slice(op.from, op.to));
  }

  /** The outermost loop statement around a node, if any. */
  export function enclosingLoop(node: SyntaxNode): SyntaxNode | null {
    let loop: SyntaxNode | null = null;
    for (let p = node.parent; p; p = p.parent) {
      if (p.name === 'ForStatement' || p.name === 'WhileStatement') {
        loop = p;
      }
    }
    return loop;
  }

  function stringValue(node: SyntaxNode, source: string): string | null {
    if (node.name !== 'String') {
      return null;
    }
    return source
      .slice(node.from, node.to)
      .replace(/^[rbuf]*['"]+|['"]+$/gi, '');
  }

  /** The projection a name maps to: gate, down or up (null if none). */
  function projection(name: string): string | null {
    const match = /\b(gate|down|up)(_proj)?\b|(gate|down|up)_proj/.exec(name);
    return match ? (match[1] ?? match[3]) : null;
  }

  /** A mapping of Tinker's w1/w2/w3 to the wrong projection. */
  export function expertMappings(
    root: SyntaxNode,
    source: string,
    at: { cellIndex: number; cellId: string | null }
  ): IFinding[] {
    const findings: IFinding[] = [];
    const check = (from: string, to: string, node: SyntaxNode) => {
      const key = /(?:^|[._])(w[123])(?:$|[._])/.exec(from)?.[1];
      const target = projection(to);
      if (!key || !target || EXPERT_TARGET[key] === target) {
        return;
      }
      const line = lineOf(source, node.from);
      findings.push(
        makeFinding('TD203', {
          ...at,
          line,
          evidence:
            `Line ${line} maps Tinker's ${key} to ${target}_proj; ${key} is ` +
            `${EXPERT_TARGET[key]}_proj (w1 gate, w2 down, w3 up).`
        })
      );
    };
    walk(root, n => {
      if (n.name === 'DictionaryExpression') {
        const parts = children(n);
        for (let i = 0; i + 2 < parts.length; i++) {
          if (parts[i + 1].name === ':') {
            const k = stringValue(parts[i], source);
            const v = stringValue(parts[i + 2], source);
            if (k !== null && v !== null) {
              check(k, v, parts[i]);
            }
          }
        }
      } else if (n.name === 'CallExpression') {
        const callee = n.firstChild;
        const args = n.getChild('ArgList');
        if (
          !callee ||
          !args ||
          !/\.replace$/.test(source.slice(callee.from, callee.to))
        ) {
          return;
        }
        const strings = children(args)
          .map(c => stringValue(c, source))
          .filter((s): s is string => s !== null);
        if (strings.length >= 2) {
          check(strings[0], strings[1], n);
        }
      }
    });
    return findings;
  }

  /**
   * A gate/up choice made on a key after gate and up were both renamed to
   * the same fused name: the condition is constant, so one half gets both
   * deltas. Also a choice that puts `up` first in a gate-first layout.
   */
  export function constantGateUpChoice(
    root: SyntaxNode,
    source: string,
    at: { cellIndex: number; cellId: string | null }
  ): IFinding[] {
    const findings: IFinding[] = [];
    const fused = new Map<string, string>();
    walk(root, n => {
      if (n.name !== 'AssignStatement') {
        return;
      }
      const parts = children(n);
      const target = parts[0];
      const value = source.slice(parts[2]?.from ?? n.to, n.to);
      if (!target || target.name !== 'VariableName') {
        return;
      }
      const name = source.slice(target.from, target.to);
      const renames = [
        ...value.matchAll(/\.replace\(\s*(['"])(.*?)\1\s*,\s*(['"])(.*?)\3/g)
      ];
      const gate = renames.find(m => /gate/.test(m[2]));
      const up = renames.find(m => /(^|[._])up/.test(m[2]));
      if (gate && up && gate[4] === up[4]) {
        fused.set(name, gate[4]);
        return;
      }
      const cond = /\bif\b(.*)\belse\b/.exec(value);
      if (!cond) {
        return;
      }
      for (const [key, merged] of fused) {
        if (
          new RegExp(`\\b${key}\\b`).test(cond[1]) &&
          cond[1].includes(merged)
        ) {
          const line = lineOf(source, n.from);
          findings.push(
            makeFinding('TD203', {
              ...at,
              line,
              title: 'gate/up half chosen by a condition that never changes',
              evidence:
                `Line ${line} picks the gate or up half from \`${key}\` ` +
                `after both gate_proj and up_proj were renamed to ` +
                `"${merged}": the condition is always the same, so both ` +
                'deltas land in one half.'
            })
          );
        }
      }
      if (
        /['"][^'"]*up[^'"]*['"]\s+in\b/.test(cond[1]) &&
        /^\s*0\b/.test(value)
      ) {
        const line = lineOf(source, n.from);
        findings.push(
          makeFinding('TD203', {
            ...at,
            line,
            title: 'gate/up halves swapped',
            evidence:
              `Line ${line} puts the up projection in the first half; ` +
              'fused gate_up layouts keep gate first.'
          })
        );
      }
    });
    return findings;
  }
}
