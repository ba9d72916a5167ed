/**
 * Static renderer findings from the cells: TD401 (a hand-written renderer
 * not recommended for the model), TD402 (thinking data and renderer variant
 * disagree), TD405 (a renderer name no cookbook knows) and TD406 (loss
 * weights that are all zero by construction). Findings from error text
 * (`Unknown renderer`, `No valid weights found`) are the error decoder's.
 */
import { IRendererCheck } from '../facts';
import { makeFinding } from '../catalogue';
import { ICell, IFinding } from '../types';
import {
  bundledRecommended,
  isThinkingRenderer,
  KNOWN_RENDERERS,
  otherThinkingVariant,
  RENDERER_TABLE_SOURCE,
  TABLE_VERSION
} from './rendererTable';
import { IRendererCells, ISeen } from './rendererCells';
import {
  didYouMean,
  isKnownName,
  knownNames,
  modelFor,
  suggestedNames
} from './rendererNames';

/** TD401 and TD405 for each renderer name written in the cells. */
export function nameFindings(
  cells: IRendererCells,
  check: IRendererCheck | undefined,
  cookbookVersion: string | null = null,
  modelsInUse: unknown = undefined
): IFinding[] {
  const findings: IFinding[] = [];
  // A cookbook newer than the bundled table may know names the table lacks.
  const newer =
    cookbookVersion !== null && Private.newerThanTable(cookbookVersion);
  const fromCheck =
    check && Array.isArray(check.recommended) && check.recommended.length > 0
      ? check.recommended
      : null;
  const pool = knownNames(cells, check);
  const seen = new Set<string>();
  for (const r of cells.renderers) {
    const key = `${r.value}|${r.cellIndex}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    const model = modelFor(r, cells, check, modelsInUse);
    // The check's recommendations are for the check's model only.
    const checked = fromCheck !== null && model === check?.model;
    const recommended = checked
      ? fromCheck
      : model
        ? bundledRecommended(model)
        : null;
    const source = checked
      ? `recommended by the installed cookbook (${
          (check?.recommendedSource as string) ?? 'kernel check'
        })`
      : `recommended per the ${RENDERER_TABLE_SOURCE}`;
    if (!isKnownName(r.value, cells, check)) {
      findings.push(
        makeFinding('TD405', {
          ...where(r),
          severity: newer ? 'warning' : undefined,
          title: `Unknown renderer "${r.value}"`,
          evidence:
            `"${r.value}" is not a renderer tinker-cookbook registers ` +
            `(${RENDERER_TABLE_SOURCE}) and no cell registers it.` +
            (newer
              ? ` The kernel has tinker-cookbook ${cookbookVersion}, newer ` +
                'than the table: run "Check renderer" to ask it.'
              : '') +
            Private.suggestion(r.value, pool, recommended, check),
          fix:
            'Use a known renderer name' +
            (recommended ? ` (for ${model}: ${recommended.join(', ')})` : '') +
            '; a custom renderer must be registered with ' +
            'register_renderer(name, factory) before get_renderer.'
        })
      );
      continue;
    }
    if (model && recommended && !recommended.includes(r.value)) {
      findings.push(
        makeFinding('TD401', {
          ...where(r),
          title: `Renderer "${r.value}" is not recommended for ${model}`,
          evidence:
            `Renderer "${r.value}" is used with ${model}; ${source}: ` +
            `${recommended.join(', ')}.`,
          fix:
            `Use get_recommended_renderer_name("${model}") (here ` +
            `"${recommended[0]}") or another of: ${recommended.join(', ')}. ` +
            'A renderer for another format trains the model on tokens it ' +
            'never sees at inference.'
        })
      );
    }
  }
  return findings;
}

/** TD402: thinking data with a non-thinking variant, or the reverse. */
export function thinkingFindings(
  cells: IRendererCells,
  check: IRendererCheck | undefined
): IFinding[] {
  const findings: IFinding[] = [];
  const think = cells.thinkData;
  for (const r of Private.lastPerCell(cells.renderers)) {
    const other = otherThinkingVariant(r.value);
    if (!KNOWN_RENDERERS.includes(r.value) || !other) {
      continue;
    }
    const thinking = isThinkingRenderer(r.value);
    if (!thinking && think.length > 0) {
      const at = think[0];
      findings.push(
        makeFinding('TD402', {
          ...where(r),
          title: `Data with <think> blocks rendered by ${r.value}`,
          evidence:
            `Cell ${at.cellIndex}${at.line ? ` line ${at.line}` : ''} has ` +
            `reasoning data (${JSON.stringify(at.value)}) while ` +
            `${r.value} renders without thinking: the think blocks are ` +
            'trained as plain text (or refused by newer cookbooks).',
          fix:
            `Use the thinking variant ${other} for reasoning data, or ` +
            'strip the think blocks.'
        })
      );
    } else if (
      thinking &&
      think.length === 0 &&
      cells.assistantLiterals.length > 0
    ) {
      findings.push(
        makeFinding('TD402', {
          ...where(r),
          severity: 'info',
          title: `No <think> blocks in the data rendered by ${r.value}`,
          evidence:
            'The assistant turns written in the cells have no reasoning ' +
            'while ' +
            `${r.value} is a thinking variant: every example trains an empty ` +
            'think block.',
          fix: `If the data has no reasoning on purpose, use ${other}.`
        })
      );
    }
  }
  const list: Array<{ name?: unknown; error?: unknown }> = Array.isArray(
    check?.conversations
  )
    ? (check!.conversations as Array<{ name?: unknown; error?: unknown }>)
    : [];
  const refused = list.find(
    c => typeof c?.error === 'string' && /thinking (turned )?off/i.test(c.error)
  );
  if (refused && findings.length === 0) {
    findings.push(
      makeFinding('TD402', {
        title: `The renderer refused reasoning data (${check?.renderer})`,
        evidence: `Renderer check, ${String(refused.name)}: ${String(
          refused.error
        )}`,
        fix: 'Use the thinking variant of the renderer for reasoning data.'
      })
    );
  }
  return findings;
}

/**
 * TD405 and TD406 from the renderer check: the renderer name the kernel
 * could not build, and training conversations (a variable or file the user
 * named) whose supervised examples carry no loss weight at all.
 */
export function checkFindings(
  check: IRendererCheck | undefined,
  cells?: IRendererCells
): IFinding[] {
  if (!check) {
    return [];
  }
  const findings: IFinding[] = [];
  const unknown = check.unknownRenderer;
  if (typeof unknown === 'string' && unknown) {
    const error = String(check.error ?? '');
    // The agent's error already ends in its own "Did you mean …?".
    const said = /did you mean/i.test(error);
    const names = said
      ? []
      : suggestedNames(unknown, cells ? knownNames(cells, check) : [], check);
    findings.push(
      makeFinding('TD405', {
        title: `Unknown renderer "${unknown}"`,
        evidence: `Renderer check: ${error}` + didYouMean(names),
        fix:
          'Use a renderer the installed cookbook registers' +
          (Array.isArray(check.recommended) && check.recommended.length
            ? ` (for ${check.model}: ${check.recommended.join(', ')})`
            : '') +
          '; register a custom one with register_renderer(name, factory).'
      })
    );
  }
  const source = String(check.conversationSource ?? '');
  const named = /^(file|variable) /.test(source);
  const conversations = Array.isArray(check.conversations)
    ? (check.conversations as Array<Record<string, unknown>>)
    : [];
  const empty = conversations.filter(
    c => c.kind === 'supervised' && c.lossTokens === 0
  );
  if (named && empty.length > 0) {
    findings.push(
      makeFinding('TD406', {
        evidence:
          `Renderer check on ${source}: ${empty.length} of the sampled ` +
          'conversations give no token a loss weight (' +
          empty.map(c => String(c.name)).join(', ') +
          '); typically the rows have no assistant turn.',
        fix:
          'Give each training row an assistant message to learn, or choose ' +
          'a train_on_what that covers the tokens you want to train.'
      })
    );
  }
  return findings;
}

/** TD406 from code that makes every loss weight zero. */
export function weightFindings(notebookCells: ICell[]): IFinding[] {
  const findings: IFinding[] = [];
  // The whole right-hand side is zeros: `[0.0] * n`, `np.zeros(n)`,
  // `torch.zeros_like(t)` (nothing added, e.g. `+ [1.0] * len(completion)`).
  const zeroList = /\[\s*0(?:\.0*)?\s*\]\s*\*\s*[^+\n]+/.source;
  const zeroCall = /(?:np|numpy|torch)\.zeros(?:_like)?\([^+\n]*\)/.source;
  const zeroWeights = new RegExp(
    /^\s*(\w*weights?)\s*=\s*/.source +
      `(?:${zeroList}|${zeroCall})` +
      /\s*$/.source
  );
  const customized =
    /train_on_what\s*=\s*(?:TrainOnWhat\.CUSTOMIZED|["']customized["'])/;
  const allCode = notebookCells
    .filter(c => c.cellType === 'code')
    .map(c => c.source)
    .join('\n');
  const anyTrainable = /["']trainable["']\s*:\s*True/.test(allCode);
  for (const cell of notebookCells) {
    if (cell.cellType !== 'code') {
      continue;
    }
    const lines = cell.source.split('\n');
    lines.forEach((text, i) => {
      if (/^\s*#/.test(text)) {
        return;
      }
      const zero = zeroWeights.exec(text);
      if (
        zero &&
        /loss_fn_inputs|Datum\(/.test(cell.source) &&
        !Private.changedLater(lines.slice(i + 1).join('\n'), zero[1])
      ) {
        findings.push(
          makeFinding('TD406', {
            cellIndex: cell.index,
            cellId: cell.id,
            line: i + 1,
            evidence:
              `"${zero[1]}" is built as all zeros and goes into the datum: ` +
              'no token carries loss weight ("No valid weights found for ' +
              'NLL computation").',
            fix:
              'Set weight 1 on the completion tokens (0 on the prompt), ' +
              'or use the renderer’s build_supervised_example.'
          })
        );
      }
      if (customized.test(text) && !anyTrainable) {
        findings.push(
          makeFinding('TD406', {
            cellIndex: cell.index,
            cellId: cell.id,
            line: i + 1,
            severity: 'warning',
            evidence:
              'train_on_what is CUSTOMIZED, which trains only messages with ' +
              '"trainable": True, and no cell marks any message trainable.',
            fix:
              'Mark the messages to learn with "trainable": True, or use ' +
              'last_assistant_message / all_assistant_messages.'
          })
        );
      }
    });
  }
  return findings;
}

function where(seen: ISeen) {
  return { cellIndex: seen.cellIndex, cellId: seen.cellId, line: seen.line };
}

namespace Private {
  /** The last renderer name per cell (the one in effect after it runs). */
  export function lastPerCell(list: ISeen[]): ISeen[] {
    const byCell = new Map<number, ISeen>();
    list.forEach(s => byCell.set(s.cellIndex, s));
    return [...byCell.values()];
  }

  /** Whether a cookbook version is newer than the bundled table's. */
  export function newerThanTable(version: string): boolean {
    const parts = (v: string) =>
      (v.match(/^\d+(\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
    const a = parts(version);
    const b = parts(TABLE_VERSION);
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] ?? 0) !== (b[i] ?? 0)) {
        return (a[i] ?? 0) > (b[i] ?? 0);
      }
    }
    return false;
  }

  /** Whether `name` is written to after its zero initialisation. */
  export function changedLater(rest: string, name: string): boolean {
    const n = name.replace(/\W/g, '');
    return new RegExp(
      `\\b${n}\\s*\\[[^\\]]*\\]\\s*[+*]?=(?!=)|\\b${n}\\s*[+*]=|` +
        `(?:^|\\n)\\s*${n}\\s*=(?!=)|` +
        `\\b${n}\\.(?:fill_|append|extend|__setitem__)\\(`
    ).test(rest);
  }

  /** "Did you mean" the nearest known name, and the family's names. */
  export function suggestion(
    name: string,
    pool: string[],
    recommended: string[] | null,
    check: IRendererCheck | undefined
  ): string {
    const family = name.split('_')[0];
    const relatives = (recommended ?? pool).filter(
      n => n.split('_')[0] === family
    );
    return (
      didYouMean(suggestedNames(name, pool, check)) +
      (relatives.length > 0
        ? ` Known ${family} renderers: ${relatives.join(', ')}.`
        : '')
    );
  }
}
