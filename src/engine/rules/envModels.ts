/**
 * Which models a notebook uses, and which model families a version rule
 * cares about (DeepSeek for TD103, vision-language models for TD104).
 */
import { IDiagnosisInput } from '../types';

/** A model name with where it was seen, for the finding's evidence. */
export interface IModelSeen {
  name: string;
  /** `facts`, `client`, `renderer check` or `cell N`. */
  where: string;
  cellIndex: number | null;
  line: number | null;
}

/**
 * Model names in use: the agent's `modelsInUse`, the clients' base models,
 * the renderer check's model, and model-name strings in code cells.
 *
 * In cell sources a string counts as a model name when it is given to a
 * model-like name (`base_model=`, `model_name = ...`, `MODEL = ...`) or looks
 * like a Hugging Face id of a known model publisher (`Qwen/...`,
 * `deepseek-ai/...`): other strings (paths, dataset ids) are left alone.
 */
export function modelsInUse(input: IDiagnosisInput): IModelSeen[] {
  const seen: IModelSeen[] = [];
  const add = (
    name: unknown,
    where: string,
    cellIndex: number | null = null,
    line: number | null = null
  ) => {
    if (typeof name === 'string' && name.trim()) {
      seen.push({ name: name.trim(), where, cellIndex, line });
    }
  };
  const facts = input.facts;
  (Array.isArray(facts?.modelsInUse) ? facts!.modelsInUse : []).forEach(m =>
    add(m, 'models in use')
  );
  (Array.isArray(facts?.clients) ? facts!.clients : []).forEach(c =>
    add(c?.baseModel, `client ${c?.variable ?? ''}`.trim())
  );
  add(facts?.checks?.renderer?.model, 'renderer check');
  for (const cell of input.notebook?.cells ?? []) {
    if (cell.cellType !== 'code') {
      continue;
    }
    cell.source.split('\n').forEach((text, i) => {
      for (const name of Private.modelStrings(text)) {
        add(name, `cell ${cell.index}`, cell.index, i + 1);
      }
    });
  }
  return seen;
}

/** DeepSeek models (V2, V3, V3.1, R1 and their distills by name). */
export function isDeepSeekModel(name: string): boolean {
  return /deepseek/i.test(name);
}

/**
 * Vision-language models: a `VL` word in the name (`Qwen3-VL-…`,
 * `Kimi-VL-…`, `InternVL…`), `vision` (`Llama-3.2-11B-Vision`), LLaVA and
 * Pixtral, and the Kimi K2.5/K2.6 models, which take images.
 */
export function isVisionLanguageModel(name: string): boolean {
  return (
    /(^|[^a-z0-9])vl($|[^a-z0-9])/i.test(name) ||
    /internvl|llava|pixtral|vision/i.test(name) ||
    /kimi[-_ ]?k2[._-]?[56]($|[^0-9])/i.test(name)
  );
}

namespace Private {
  /** Publishers whose `org/name` ids are taken as model names anywhere. */
  const MODEL_ORGS = new RegExp(
    '^(' +
      [
        'qwen',
        'meta-llama',
        'deepseek-ai',
        'moonshotai',
        'openai',
        'nvidia',
        'zai-org',
        'thudm',
        'mistralai',
        'google',
        'microsoft',
        'allenai'
      ].join('|') +
      ')/',
    'i'
  );

  const ASSIGNED = /\b\w*model\w*\s*[=:]\s*[rbuf]?(["'])([^"'\n]{1,200})\1/gi;

  const LITERAL = /(["'])([^"'\s\n]{3,200})\1/g;

  /** `name` or `org/name`: not a path, a URL or a file. */
  const MODEL_ID = /^[A-Za-z0-9][\w.+-]*(\/[A-Za-z0-9][\w.+-]*)?$/;
  const FILE = /\.(jsonl?|txt|csv|parquet|pt|pth|bin|safetensors|ya?ml|py)$/i;

  function looksLikeModelId(text: string): boolean {
    return MODEL_ID.test(text) && !FILE.test(text);
  }

  /** Model-name strings on one source line. */
  export function modelStrings(text: string): string[] {
    const names = new Set<string>();
    each(ASSIGNED, text, match => {
      if (looksLikeModelId(match[2])) {
        names.add(match[2]);
      }
    });
    each(LITERAL, text, match => {
      if (MODEL_ORGS.test(match[2])) {
        names.add(match[2]);
      }
    });
    return Array.from(names);
  }

  /** Call `visit` for every match of a global pattern. */
  function each(
    pattern: RegExp,
    text: string,
    visit: (match: RegExpExecArray) => void
  ): void {
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = pattern.exec(text))) {
      visit(match);
    }
  }
}
