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
}

/** Everything the renderer rules read from the cells. */
export interface IRendererCells {
  /** Renderer names given to `get_renderer` or `renderer_name`. */
  renderers: ISeen[];
  /** Model ids of known publishers, or given to a model-like name. */
  models: ISeen[];
  /** Names registered with `register_renderer("name", ...)`. */
  registered: Set<string>;
  /** Where a `<think>` block appears in a string literal or a cell output. */
  thinkData: ISeen[];
  /** Assistant-message literals (`"role": "assistant"`) in cell sources. */
  assistantLiterals: ISeen[];
  /** Keyword options of `apply_chat_template` calls (thinking-related). */
  templateOptions: ISeen[];
}

const ORGS =
  'meta-llama|Qwen|deepseek-ai|openai|moonshotai|zai-org|nvidia|thinkingmachines';

const RENDERER_RE =
  /get_renderer\(\s*(?:name\s*=\s*)?["']([^"'\n]+)["']|renderer_name["']?\s*[=:]\s*["']([^"'\n]+)["']/g;
const MODEL_RE = new RegExp(
  `["']((?:${ORGS})/[\\w.\\-]+(?::[\\w.\\-]+)?)["']`,
  'g'
);
const MODEL_ARG_RE =
  /(?:base_model|model_name|model)\s*[=:]\s*["']([\w.\-]+\/[\w.\-]+)["']/g;
const REGISTER_RE = /register_renderer\(\s*(?:name\s*=\s*)?["']([^"'\n]+)["']/g;
const THINK_RE = /<think>[\s\S]*?<\/think>/g;
const ASSISTANT_RE = /["']role["']\s*:\s*["']assistant["']/g;
const OPTION_RE =
  /\b(enable_thinking|thinking|keep_history_thinking|truncate_history_thinking|preserve_thinking)\s*=\s*(True|False)/g;

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
      line: Private.lineOf(source, index)
    });
    for (const m of source.matchAll(RENDERER_RE)) {
      out.renderers.push(at(m.index ?? 0, m[1] ?? m[2]));
    }
    const models = new Map<number, ISeen>();
    for (const re of [MODEL_RE, MODEL_ARG_RE]) {
      for (const m of source.matchAll(re)) {
        models.set(m.index ?? 0, at(m.index ?? 0, m[1]));
      }
    }
    out.models.push(
      ...[...models.values()].sort((a, b) => (a.line ?? 0) - (b.line ?? 0))
    );
    for (const m of source.matchAll(REGISTER_RE)) {
      out.registered.add(m[1]);
    }
    for (const m of source.matchAll(THINK_RE)) {
      out.thinkData.push(at(m.index ?? 0, m[0].slice(0, 80)));
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
