/**
 * What the cells of a notebook say about renderers: renderer names written
 * by hand (with their cell and line), model ids, custom registrations,
 * thinking blocks in data, and the options given to `apply_chat_template`.
 * Plain text scanning of code cells; comments are skipped.
 */
import { ICell, IDiagnosisInput } from '../types';

/** A string seen in a cell, with its location. */
export interface ISeen {
  value: string;
  cellIndex: number;
  cellId: string | null;
  /** 1-based line within the cell; null when seen in an output. */
  line: number | null;
  /** Character offset in the cell source (absent for outputs). */
  offset?: number;
  /**
   * The bracketed spans (`(...)`, `{...}`, `[...]`) around it, outermost
   * first, as [open, close] offsets: a model inside one of them is named in
   * the same call or config.
   */
  enclosing?: Array<[number, number]>;
}

/** Everything the renderer rules read from the cells. */
export interface IRendererCells {
  /** Renderer names given to `get_renderer` or `renderer_name`. */
  renderers: ISeen[];
  /** Model ids of known publishers, or given to a model-like name. */
  models: ISeen[];
  /** Names registered with `register_renderer("name", ...)`. */
  registered: Set<string>;
  /**
   * Where a `<think>` block appears in a string literal or a cell output;
   * literals used as patterns to remove or split think blocks are not data.
   */
  thinkData: ISeen[];
  /** Assistant-message literals (`"role": "assistant"`) in cell sources. */
  assistantLiterals: ISeen[];
  /** Keyword options of `apply_chat_template` calls (thinking-related). */
  templateOptions: ISeen[];
}

const ORGS =
  'meta-llama|Qwen|deepseek-ai|openai|moonshotai|zai-org|nvidia|' +
  'thinkingmachines';

const RENDERER_RE = new RegExp(
  /get_renderer\(\s*(?:name\s*=\s*)?["']([^"'\n]+)["']/.source +
    '|' +
    /renderer_name["']?\s*[=:]\s*["']([^"'\n]+)["']/.source,
  'g'
);
const MODEL_RE = new RegExp(
  `["']((?:${ORGS})/[\\w.\\-]+(?::[\\w.\\-]+)?)["']`,
  'g'
);
const MODEL_ARG_RE =
  /(?:base_model|model_name|model)\s*[=:]\s*["']([\w.\-]+\/[\w.\-]+)["']/g;
const REGISTER_RE = /register_renderer\(\s*(?:name\s*=\s*)?["']([^"'\n]+)["']/g;
const THINK_RE = /<think>[\s\S]*?<\/think>/g;
/** Think-block content that is regex syntax (`.*?`, `[\s\S]*?`, `(.+)`). */
const PATTERN_BODY_RE = /^\(?(?:\?[:P<\w>]*)?(?:\.|\[[^\]]*\])[*+]\??\)?$/;
/**
 * A literal that is the pattern of an `re` function, or what a string
 * method removes or splits on (`.replace`, `.split`, `.partition`, ...).
 */
const REMOVAL_CALL_RE = new RegExp(
  '(?:\\bre\\.(?:sub|subn|split|compile|findall|finditer|search|match|' +
    'fullmatch)|\\.(?:sub|subn|replace|split|rsplit|partition|rpartition|' +
    'removeprefix|removesuffix|strip|lstrip|rstrip))' +
    '\\(\\s*(?:pattern\\s*=\\s*)?$'
);
const ASSISTANT_RE = /["']role["']\s*:\s*["']assistant["']/g;
const OPTION_RE = new RegExp(
  '\\b(enable_thinking|thinking|keep_history_thinking|' +
    'truncate_history_thinking|preserve_thinking)\\s*=\\s*(True|False)',
  'g'
);

/** Scan the notebook's code cells. */
export function scanCells(input: IDiagnosisInput): IRendererCells {
  const out: IRendererCells = {
    renderers: [],
    models: [],
    registered: new Set(),
    thinkData: [],
    assistantLiterals: [],
    templateOptions: []
  };
  for (const cell of input.notebook?.cells ?? []) {
    if (cell.cellType !== 'code') {
      continue;
    }
    const source = Private.withoutComments(cell.source);
    const at = (index: number, value: string): ISeen => ({
      value,
      cellIndex: cell.index,
      cellId: cell.id,
      line: Private.lineOf(source, index),
      offset: index
    });
    const spans = Private.brackets(source);
    for (const m of source.matchAll(RENDERER_RE)) {
      const seen = at(m.index ?? 0, m[1] ?? m[2]);
      seen.enclosing = spans.filter(
        ([open, close]) => open < seen.offset! && seen.offset! < close
      );
      out.renderers.push(seen);
    }
    const models = new Map<number, ISeen>();
    for (const re of [MODEL_RE, MODEL_ARG_RE]) {
      for (const m of source.matchAll(re)) {
        models.set(m.index ?? 0, at(m.index ?? 0, m[1]));
      }
    }
    out.models.push(
      ...[...models.values()].sort((a, b) => a.offset! - b.offset!)
    );
    for (const m of source.matchAll(REGISTER_RE)) {
      out.registered.add(m[1]);
    }
    for (const literal of Private.literals(source)) {
      for (const m of literal.text.matchAll(THINK_RE)) {
        if (!Private.isRemovalPattern(source, literal, m[0])) {
          out.thinkData.push(
            at(literal.start + (m.index ?? 0), m[0].slice(0, 80))
          );
        }
      }
    }
    for (const m of source.matchAll(ASSISTANT_RE)) {
      out.assistantLiterals.push(at(m.index ?? 0, m[0]));
    }
    for (const m of Private.templateCalls(source)) {
      for (const o of m.args.matchAll(OPTION_RE)) {
        out.templateOptions.push(at(m.index, `${o[1]}=${o[2]}`));
      }
    }
    Private.outputThinking(cell, out.thinkData);
  }
  return out;
}

namespace Private {
  /** Blank out `#` comments (outside string literals), keeping offsets. */
  export function withoutComments(source: string): string {
    let out = '';
    let quote: string | null = null;
    for (let i = 0; i < source.length; i++) {
      const c = source[i];
      if (quote) {
        if (c === '\\') {
          out += c + (source[i + 1] ?? '');
          i++;
          continue;
        }
        if (c === quote || (c === '\n' && quote.length === 1)) {
          quote = null;
        }
        out += c;
      } else if (c === '"' || c === "'") {
        quote = c;
        out += c;
      } else if (c === '#') {
        while (i < source.length && source[i] !== '\n') {
          out += ' ';
          i++;
        }
        if (i < source.length) {
          out += '\n';
        }
      } else {
        out += c;
      }
    }
    return out;
  }

  /** A string literal: its body and where the body starts. */
  export interface ILiteral {
    text: string;
    start: number;
    /** Offset of the literal's prefix (`r`, `f`, `b`) or opening quote. */
    opening: number;
  }

  /** The string literals of (comment-free) Python source. */
  export function literals(source: string): ILiteral[] {
    const out: ILiteral[] = [];
    let i = 0;
    while (i < source.length) {
      const c = source[i];
      if (c !== '"' && c !== "'") {
        i++;
        continue;
      }
      const triple = source.startsWith(c.repeat(3), i);
      const quote = triple ? c.repeat(3) : c;
      let opening = i;
      while (opening > 0 && /[rRbBfFuU]/.test(source[opening - 1])) {
        opening--;
      }
      const start = i + quote.length;
      let end = start;
      while (end < source.length && !source.startsWith(quote, end)) {
        if (source[end] === '\\') {
          end++;
        } else if (!triple && source[end] === '\n') {
          break;
        }
        end++;
      }
      out.push({ text: source.slice(start, end), start, opening });
      i = end + quote.length;
    }
    return out;
  }

  /**
   * Whether a think block in a literal is a pattern, not data: its content
   * is regex syntax (`<think>.*?</think>`), or the literal is the first
   * argument of a call that removes or splits text (`re.sub`, `.replace`,
   * `.split`, ...).
   */
  export function isRemovalPattern(
    source: string,
    literal: ILiteral,
    block: string
  ): boolean {
    const body = block.slice('<think>'.length, -'</think>'.length).trim();
    if (PATTERN_BODY_RE.test(body)) {
      return true;
    }
    const before = source.slice(
      Math.max(0, literal.opening - 200),
      literal.opening
    );
    return REMOVAL_CALL_RE.test(before);
  }

  /** Spans of matched brackets outside string literals, outermost first. */
  export function brackets(source: string): Array<[number, number]> {
    const blanked = source.split('');
    for (const literal of literals(source)) {
      for (
        let k = literal.start;
        k < literal.start + literal.text.length;
        k++
      ) {
        blanked[k] = ' ';
      }
    }
    const open: number[] = [];
    const spans: Array<[number, number]> = [];
    blanked.forEach((c, k) => {
      if (c === '(' || c === '[' || c === '{') {
        open.push(k);
      } else if ((c === ')' || c === ']' || c === '}') && open.length > 0) {
        spans.push([open.pop()!, k]);
      }
    });
    // Unclosed brackets (a cell cut short) extend to the end of the cell.
    open.forEach(k => spans.push([k, source.length]));
    return spans.sort((a, b) => a[0] - b[0]);
  }

  /** 1-based line of a character offset. */
  export function lineOf(source: string, index: number): number {
    let line = 1;
    for (let i = 0; i < index && i < source.length; i++) {
      if (source[i] === '\n') {
        line++;
      }
    }
    return line;
  }

  /** The argument text of each `apply_chat_template(...)` call. */
  export function templateCalls(
    source: string
  ): Array<{ index: number; args: string }> {
    const calls: Array<{ index: number; args: string }> = [];
    for (const m of source.matchAll(/apply_chat_template\(/g)) {
      const start = (m.index ?? 0) + m[0].length;
      let depth = 1;
      let end = start;
      while (end < source.length && depth > 0) {
        depth += source[end] === '(' ? 1 : source[end] === ')' ? -1 : 0;
        end++;
      }
      calls.push({ index: m.index ?? 0, args: source.slice(start, end) });
    }
    return calls;
  }

  /** `<think>` shown in a cell's output (printed data) counts as data. */
  export function outputThinking(cell: ICell, into: ISeen[]): void {
    for (const output of cell.outputs) {
      if (output.outputType === 'error') {
        continue;
      }
      if (/<think>/.test(output.text)) {
        into.push({
          value: 'output: ' + output.text.trim().slice(0, 80),
          cellIndex: cell.index,
          cellId: cell.id,
          line: null
        });
      }
    }
  }
}
