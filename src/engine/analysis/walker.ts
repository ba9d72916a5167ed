/**
 * The walk behind `summarize`: one pass over the `@lezer/python` tree of a
 * cell, recording scopes, loops, calls in evaluation order and name reads.
 */
import { parser } from '@lezer/python';
import { SyntaxNode, Tree } from '@lezer/common';
import { ICellSummary, ILoop, IOp, IScope } from './summary';
import { dotted, header, lineAt, params, targetOf } from './syntax';

/** Where the walk is: scope, loops around, inside an `if`, class. */
interface IContext {
  scope: number;
  loops: number[];
  guarded: boolean;
  className: string | null;
}

const COMPREHENSIONS = new Set([
  'ArrayComprehensionExpression',
  'SetComprehensionExpression',
  'DictionaryComprehensionExpression',
  'ComprehensionExpression'
]);

/** Walks a cell's syntax tree once, filling its summary. */
export class SummaryWalker {
  /** The summary being filled; complete after `run()`. */
  readonly summary: ICellSummary;
  private opByNode = new Map<string, number>();
  private lambdaByNode = new Map<string, number>();

  constructor(private text: string) {
    const lineStarts = [0];
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        lineStarts.push(i + 1);
      }
    }
    this.summary = {
      scopes: [],
      loops: [],
      ops: [],
      reads: [],
      lineStarts,
      scopeOps: [],
      chained: new Set()
    };
  }

  /** Walk the text's tree (parsed here unless given). */
  run(tree: Tree = parser.parse(this.text)): void {
    const top = tree.topNode;
    this.summary.scopes.push({
      id: 0,
      name: null,
      shortName: null,
      isAsync: false,
      isLambda: false,
      params: [],
      parent: null,
      from: 0,
      to: this.text.length,
      line: 1
    });
    const ctx = { scope: 0, loops: [], guarded: false, className: null };
    this.children(top, ctx);
    const { scopes, ops, scopeOps, chained } = this.summary;
    scopes.forEach(() => scopeOps.push([]));
    for (const op of ops) {
      scopeOps[op.scope].push(op);
      if (op.receiverOp !== null) {
        chained.add(op.receiverOp);
      }
    }
  }

  private line(offset: number): number {
    return lineAt(this.summary.lineStarts, offset);
  }

  private src(node: SyntaxNode): string {
    return this.text.slice(node.from, node.to);
  }

  private key(node: SyntaxNode): string {
    return `${node.from}:${node.to}`;
  }

  private children(node: SyntaxNode, ctx: IContext): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      this.visit(c, ctx);
    }
  }

  private visit(node: SyntaxNode, ctx: IContext): void {
    switch (node.name) {
      case 'FunctionDefinition':
        return this.functionDef(node, ctx);
      case 'ClassDefinition': {
        const name = node.getChild('VariableName');
        const body = node.getChild('Body');
        if (body) {
          this.children(body, {
            ...ctx,
            className: name ? this.src(name) : null
          });
        }
        return;
      }
      case 'LambdaExpression':
        return this.lambda(node, ctx);
      case 'ForStatement':
        return this.forStatement(node, ctx);
      case 'WhileStatement':
        return this.loop(node, ctx, 'while', '', []);
      case 'IfStatement':
        return this.children(node, { ...ctx, guarded: true });
      case 'AssignStatement':
        return this.assign(node, ctx);
      case 'CallExpression':
        this.children(node, ctx);
        return this.call(node, ctx);
      case 'AwaitExpression':
        this.children(node, ctx);
        return this.awaitName(node, ctx);
      case 'ArgList':
        return this.argList(node, ctx);
      case 'VariableName':
        this.read(this.src(node), node.from, ctx);
        return;
      case 'MemberExpression': {
        const name = dotted(this.text, node);
        if (name !== null && name.startsWith('self.')) {
          this.read(name, node.from, ctx);
        }
        return this.children(node, ctx);
      }
      case 'String':
      case 'FormatString':
      case 'Comment':
        return;
      default:
        if (COMPREHENSIONS.has(node.name)) {
          return this.comprehension(node, ctx);
        }
        return this.children(node, ctx);
    }
  }

  private read(name: string, from: number, ctx: IContext): void {
    this.summary.reads.push({ name, from, scope: ctx.scope });
  }

  private newScope(
    node: SyntaxNode,
    ctx: IContext,
    init: Partial<IScope>
  ): number {
    const id = this.summary.scopes.length;
    this.summary.scopes.push({
      id,
      name: null,
      shortName: null,
      isAsync: false,
      isLambda: false,
      params: [],
      parent: ctx.scope,
      from: node.from,
      to: node.to,
      line: this.line(node.from),
      ...init
    });
    return id;
  }

  private functionDef(node: SyntaxNode, ctx: IContext): void {
    const nameNode = node.getChild('VariableName');
    const short = nameNode ? this.src(nameNode) : null;
    const name = short && ctx.className ? `${ctx.className}.${short}` : short;
    const id = this.newScope(node, ctx, {
      name,
      shortName: short,
      isAsync: node.getChild('async') !== null,
      params: params(this.text, node.getChild('ParamList'))
    });
    const body = node.getChild('Body');
    if (body) {
      this.children(body, {
        scope: id,
        loops: [],
        guarded: false,
        className: null
      });
    }
  }

  private lambda(node: SyntaxNode, ctx: IContext): void {
    const id = this.newScope(node, ctx, {
      isLambda: true,
      params: params(this.text, node.getChild('ParamList'))
    });
    this.lambdaByNode.set(this.key(node), id);
    const inner = { scope: id, loops: [], guarded: false, className: null };
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name !== 'ParamList') {
        this.visit(c, inner);
      }
    }
  }

  private newLoop(
    ctx: IContext,
    kind: ILoop['kind'],
    span: SyntaxNode,
    line: number,
    iterText: string,
    targets: string[]
  ): IContext {
    const id = this.summary.loops.length;
    this.summary.loops.push({
      id,
      scope: ctx.scope,
      kind,
      from: span.from,
      to: span.to,
      line,
      iterText,
      targets
    });
    return { ...ctx, loops: [...ctx.loops, id] };
  }

  private loop(
    node: SyntaxNode,
    ctx: IContext,
    kind: ILoop['kind'],
    iterText: string,
    targets: string[]
  ): void {
    const inner = this.newLoop(
      ctx,
      kind,
      node,
      this.line(node.from),
      iterText,
      targets
    );
    this.children(node, inner);
  }

  private forStatement(node: SyntaxNode, ctx: IContext): void {
    const { targets, iter } = header(this.text, node);
    iter.forEach(c => this.visit(c, ctx));
    const body = node.getChild('Body');
    if (!body) {
      return;
    }
    const kind = node.getChild('async') ? 'async-for' : 'for';
    const text = iter.map(c => this.src(c)).join(' ');
    const inner = this.newLoop(
      ctx,
      kind,
      body,
      this.line(node.from),
      text,
      targets
    );
    this.children(body, inner);
  }

  private comprehension(node: SyntaxNode, ctx: IContext): void {
    const { targets, iter } = header(this.text, node);
    const text = iter.map(c => this.src(c)).join(' ');
    this.loop(node, ctx, 'comprehension', text, targets);
  }

  private assign(node: SyntaxNode, ctx: IContext): void {
    let lastOp: SyntaxNode | null = null;
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.name === 'AssignOp') {
        lastOp = c;
      }
    }
    for (let c = node.firstChild; c; c = c.nextSibling) {
      const isTarget = lastOp !== null && c.from < lastOp.from;
      if (!isTarget) {
        this.visit(c, ctx);
      } else if (c.name === 'MemberExpression' || c.name === 'Subscript') {
        // `obj.attr = …` and `x[i] = …` read obj and x: walk the inside.
        this.children(c, ctx);
      }
    }
  }

  private argList(node: SyntaxNode, ctx: IContext): void {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      const keyword =
        c.name === 'VariableName' && c.nextSibling?.name === 'AssignOp';
      if (!keyword) {
        this.visit(c, ctx);
      }
    }
  }

  private argsOf(list: SyntaxNode | null): {
    names: string[];
    lambdas: number[];
  } {
    const names: string[] = [];
    const lambdas: number[] = [];
    if (!list) {
      return { names, lambdas };
    }
    for (let c = list.firstChild; c; c = c.nextSibling) {
      if (c.name === 'VariableName' && c.nextSibling?.name !== 'AssignOp') {
        names.push(this.src(c));
      } else if (c.name === 'MemberExpression') {
        const name = dotted(this.text, c);
        if (name) {
          names.push(name);
        }
      } else if (c.name === 'LambdaExpression') {
        const id = this.lambdaByNode.get(this.key(c));
        if (id !== undefined) {
          lambdas.push(id);
        }
      }
    }
    return { names, lambdas };
  }

  private pushOp(
    node: SyntaxNode,
    ctx: IContext,
    init: Pick<IOp, 'receiver' | 'receiverOp' | 'method'>,
    args: { names: string[]; lambdas: number[] }
  ): void {
    const awaited = node.parent?.name === 'AwaitExpression';
    const outer = awaited ? node.parent! : node;
    const index = this.summary.ops.length;
    this.summary.ops.push({
      index,
      scope: ctx.scope,
      loops: ctx.loops,
      from: node.from,
      line: this.line(node.from),
      ...init,
      awaited,
      target: targetOf(this.text, outer),
      dropped: outer.parent?.name === 'ExpressionStatement',
      argNames: args.names,
      argLambdas: args.lambdas,
      guarded: ctx.guarded
    });
    this.opByNode.set(this.key(node), index);
  }

  private call(node: SyntaxNode, ctx: IContext): void {
    const callee = node.firstChild;
    if (!callee) {
      return;
    }
    const args = this.argsOf(node.getChild('ArgList'));
    if (callee.name === 'VariableName') {
      this.pushOp(
        node,
        ctx,
        { receiver: null, receiverOp: null, method: this.src(callee) },
        args
      );
      return;
    }
    if (callee.name !== 'MemberExpression') {
      return;
    }
    const obj = callee.firstChild;
    const prop = callee.lastChild;
    if (!obj || !prop || prop.name !== 'PropertyName') {
      return;
    }
    const receiverOp =
      obj.name === 'CallExpression'
        ? (this.opByNode.get(this.key(obj)) ?? null)
        : null;
    this.pushOp(
      node,
      ctx,
      { receiver: dotted(this.text, obj), receiverOp, method: this.src(prop) },
      args
    );
  }

  /** `await NAME` waits on whatever NAME holds. */
  private awaitName(node: SyntaxNode, ctx: IContext): void {
    const operand = node.lastChild;
    if (!operand) {
      return;
    }
    const name = dotted(this.text, operand);
    if (name === null) {
      return;
    }
    const index = this.summary.ops.length;
    this.summary.ops.push({
      index,
      scope: ctx.scope,
      loops: ctx.loops,
      from: node.from,
      line: this.line(node.from),
      receiver: name,
      receiverOp: null,
      method: '__await__',
      awaited: true,
      target: targetOf(this.text, node),
      dropped: node.parent?.name === 'ExpressionStatement',
      argNames: [],
      argLambdas: [],
      guarded: ctx.guarded
    });
  }
}
