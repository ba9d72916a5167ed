/**
 * One cell's source, read once: its scopes (functions, lambdas), loops,
 * calls in evaluation order and name reads. A summary depends on the source
 * text alone, so it can be cached by that text; everything that needs other
 * cells is done later, cheaply, over the summaries.
 */
import { parser } from '@lezer/python';
import { Tree } from '@lezer/common';
import { blankMagics } from './magics';
import { SummaryWalker } from './walker';

export { lineAt } from './syntax';

/** A function body, a lambda or the cell's top level (id 0). */
export interface IScope {
  id: number;
  /** Function name (`Class.method` for methods); null for top level/lambda. */
  name: string | null;
  /** The bare function name (method name without the class). */
  shortName: string | null;
  isAsync: boolean;
  isLambda: boolean;
  params: string[];
  parent: number | null;
  from: number;
  to: number;
  line: number;
}

/** A loop: for, async for, while or a comprehension. */
export interface ILoop {
  id: number;
  scope: number;
  kind: 'for' | 'async-for' | 'while' | 'comprehension';
  /** The span whose code runs once per iteration. */
  from: number;
  to: number;
  line: number;
  /** Source text of what is iterated over (for loops, comprehensions). */
  iterText: string;
  targets: string[];
}

/** A call, or an `await NAME`, in evaluation order. */
export interface IOp {
  index: number;
  scope: number;
  /** Ids of the loops of the same scope around the op, outermost first. */
  loops: number[];
  from: number;
  line: number;
  /** The object a method is called on, as dotted text (`tc`, `self.tc`). */
  receiver: string | null;
  /** The op whose result the method is called on (`x.f().result()`). */
  receiverOp: number | null;
  /** Method or function name; `__await__` for `await NAME`. */
  method: string;
  awaited: boolean;
  /** The single name the value is assigned to. */
  target: string | null;
  /** The value is an expression statement's and is thrown away. */
  dropped: boolean;
  /** Simple names passed as arguments (positional or keyword values). */
  argNames: string[];
  /** Scope ids of lambdas passed as arguments. */
  argLambdas: number[];
  /** Inside an `if` of its own scope (for example a creation guard). */
  guarded: boolean;
}

/** A read of a name (or a dotted `self.x` name). */
export interface IRead {
  name: string;
  from: number;
  scope: number;
}

/** What the rules need from one cell. */
export interface ICellSummary {
  scopes: IScope[];
  loops: ILoop[];
  ops: IOp[];
  reads: IRead[];
  /** Offsets of line starts, for 1-based line numbers. */
  lineStarts: number[];
  /** The ops of each scope (by scope id), in evaluation order. */
  scopeOps: IOp[][];
  /** Indices of ops whose value has a method called on it (`f().x()`). */
  chained: Set<number>;
}

/** Read one cell's source. Never throws: bad syntax gives a partial read. */
export function summarize(source: string): ICellSummary {
  const walker = new SummaryWalker(blankMagics(source));
  walker.run();
  return walker.summary;
}

/**
 * `summarize` for the UI: the parse advances in steps and yields to the
 * event loop whenever a slice of `sliceMs` is used up, so one huge cell
 * does not freeze the page either.
 */
export async function summarizeAsync(
  source: string,
  sliceMs: number
): Promise<ICellSummary> {
  const text = blankMagics(source);
  const parse = parser.startParse(text);
  let start = Date.now();
  let tree: Tree | null = null;
  while (!tree) {
    tree = parse.advance();
    if (!tree && Date.now() - start >= sliceMs) {
      await new Promise(resolve => setTimeout(resolve, 0));
      start = Date.now();
    }
  }
  const walker = new SummaryWalker(text);
  walker.run(tree);
  return walker.summary;
}
