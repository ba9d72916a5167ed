/**
 * Output comparison (TD204, TD205): Tinker's sampler is the ground truth;
 * compare the prompt tokens and the sampled tokens and logprobs of an
 * external engine with it, and classify how they differ.
 *
 * Used twice: on comparison results the kernel computes on demand, and on
 * what a saved notebook's outputs already show (printed token lists,
 * "first divergence at token N" summaries).
 */
import { makeFinding } from '../catalogue';
import { ICell, IFinding } from '../types';

/** Divergence at or before this token means layout or adapter, not rounding. */
export const EARLY_DIVERGENCE_TOKEN = 5;

/** Logprob gaps below this before the divergence are rounding noise. */
export const PRECISION_LOGPROB_GAP = 0.05;

/** How two engines' samples differ. */
export type DivergenceKind = 'identical' | 'late-small-drift' | 'early';

/** The first position where two token lists differ, or -1. */
export function firstDifference(
  a: ReadonlyArray<number>,
  b: ReadonlyArray<number>
): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) {
      return i;
    }
  }
  return a.length === b.length ? -1 : n;
}

/**
 * Classify a divergence from its first position and the largest logprob gap
 * seen before it.
 */
export function classifyDivergence(
  firstDiff: number,
  maxGapBefore: number | null
): DivergenceKind {
  if (firstDiff < 0) {
    return 'identical';
  }
  if (firstDiff <= EARLY_DIVERGENCE_TOKEN) {
    return 'early';
  }
  if (maxGapBefore !== null && maxGapBefore > PRECISION_LOGPROB_GAP) {
    return 'early';
  }
  return 'late-small-drift';
}

/** What each kind means for the user. */
export const DIVERGENCE_MEANING: Record<DivergenceKind, string> = {
  identical: 'identical: the export reproduces Tinker',
  'late-small-drift':
    'late small drift: precision (bfloat16 rounding in the merge or the ' +
    'engine); merge in float32',
  early:
    'early divergence: wrong weight layout or wrong adapter; check the ' +
    'merge (TD201–TD203) before anything else'
};

/**
 * Read comparisons already printed in a saved notebook's outputs.
 */
export function reviewComparisonOutputs(
  cells: ReadonlyArray<ICell>
): IFinding[] {
  const findings: IFinding[] = [];
  for (const cell of cells) {
    if (cell.cellType !== 'code' || !Private.comparesEngines(cell.source)) {
      continue;
    }
    const text = cell.outputs
      .filter(o => o.outputType !== 'error')
      .map(o => o.text)
      .join('\n');
    const at = { cellIndex: cell.index, cellId: cell.id };
    const prompt = Private.promptLists(cell.source, text);
    if (prompt) {
      const [tinker, other] = prompt;
      const diff = firstDifference(tinker, other);
      if (diff >= 0) {
        findings.push(
          makeFinding('TD204', {
            ...at,
            evidence:
              `The printed prompt token ids first differ at position ` +
              `${diff}: Tinker has ${tinker[diff] ?? 'nothing'}, the ` +
              `external engine ${other[diff] ?? 'nothing'}.`
          })
        );
      }
      continue;
    }
    const positions = Private.divergencePositions(text);
    if (positions === null) {
      continue;
    }
    const kind = classifyDivergence(positions.first, positions.gap);
    findings.push(
      makeFinding('TD205', {
        ...at,
        severity:
          kind === 'early'
            ? 'error'
            : kind === 'identical'
              ? 'info'
              : 'warning',
        title: `Tinker vs external engine: ${DIVERGENCE_MEANING[kind].split(':')[0]}`,
        evidence:
          `The cell's output reports ${positions.summary}. ` +
          `Classified as ${DIVERGENCE_MEANING[kind]}.`
      })
    );
  }
  return findings;
}

namespace Private {
  // Substrings, not words: the sides are usually named tinker_sampler,
  // vllm_engine, local_llm and the like.
  const TINKER_SIDE =
    /tinker|renderer|build_generation_prompt|sampler|sampling_client/i;
  const OTHER_SIDE =
    /vllm|sglang|local_llm|hf_model|generate|apply_chat_template|external|engine/i;

  /** A cell that sets Tinker's output beside an external engine's. */
  export function comparesEngines(source: string): boolean {
    return TINKER_SIDE.test(source) && OTHER_SIDE.test(source);
  }

  /** Two printed integer lists in a prompt-building cell. */
  export function promptLists(
    source: string,
    text: string
  ): [number[], number[]] | null {
    if (!/build_generation_prompt|apply_chat_template|prompt/i.test(source)) {
      return null;
    }
    const lists = [...text.matchAll(/\[\s*(\d+(?:\s*,\s*\d+)+)\s*\]/g)].map(m =>
      m[1].split(',').map(s => Number(s.trim()))
    );
    return lists.length >= 2 ? [lists[0], lists[1]] : null;
  }

  /** The earliest divergence position reported in text, with the gap. */
  export function divergencePositions(
    text: string
  ): { first: number; gap: number | null; summary: string } | null {
    const positions: number[] = [];
    const patterns = [
      /diverg\w*\s+(?:at|after|from)\s+(?:token|position)s?\s+(\d+(?:\s*,\s*\d+)*)/gi,
      /differ\w*\s+(?:at|after|before)\s+(?:token|position)\s+(\d+)/gi,
      /first\s+(?:divergence|difference)\s+at\s+(?:token|position)\s+(\d+)/gi
    ];
    for (const pattern of patterns) {
      for (const m of text.matchAll(pattern)) {
        m[1].split(',').forEach(n => positions.push(Number(n.trim())));
      }
    }
    const identical = /(\d+)\s*\/\s*(\d+)\s+identical/i.exec(text);
    if (positions.length === 0) {
      if (identical && identical[1] === identical[2]) {
        return { first: -1, gap: null, summary: 'all samples identical' };
      }
      return null;
    }
    const gapMatch = /logprob gap\s*[<≤]?\s*([\d.]+)/i.exec(text);
    const line = text.split('\n').find(l => /diverg|differ|identical/i.test(l));
    return {
      first: Math.min(...positions),
      gap: gapMatch ? Number(gapMatch[1]) : null,
      summary: `"${(line ?? '').trim().slice(0, 160)}"`
    };
  }
}
