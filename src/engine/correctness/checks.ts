/**
 * Findings from the output-correctness checks the kernel runs on demand:
 * merge verification (`facts.checks.mergeVerify`, TD201–TD203) and output
 * comparison (`facts.checks.compare`, TD204, TD205). Each finding is linked
 * to the cell the check was started from (`cellId` in the result).
 */
import { makeFinding } from '../catalogue';
import { ICell, IFinding, IRuleResult, Severity } from '../types';
import {
  classifyDivergence,
  DIVERGENCE_MEANING,
  DivergenceKind,
  PRECISION_LOGPROB_GAP
} from './comparison';

/** One tensor that does not match in a merge verification. */
export interface IMergeMismatch {
  tensor: string;
  kind: string;
  maxAbsError: number | null;
  expectedNorm: number | null;
  factor?: number;
  detail?: string;
}

/** What `_tinker_doctor.merge_verify.run()` returns. */
export interface IMergeVerifyCheck {
  ok?: boolean;
  checked?: number;
  mismatches?: IMergeMismatch[];
  mismatchCount?: number;
  diagnosis?: { kind: string; explanation: string } | null;
  error?: string | null;
  cellId?: string | null;
  scale?: number;
  notes?: string[];
}

/** A window of tokens around a difference. */
export interface ITokenWindow {
  start: number;
  ids: number[] | null;
  text?: string | null;
  tokens?: string[];
}

/** The sampled-token part of a comparison. */
export interface ISampledComparison {
  firstDiff: number;
  compared: number;
  tinkerLength: number;
  externalLength: number;
  maxGapBefore: number | null;
  maxGap: number | null;
  logprobDiffs: Array<number | null> | null;
  tinkerLogprobs?: Array<number | null> | null;
  externalLogprobs?: Array<number | null> | null;
  tokens?: string[] | null;
  tinker?: ITokenWindow;
  external?: ITokenWindow;
}

/** What `_tinker_doctor.compare.run()` returns. */
export interface ICompareCheck {
  ok?: boolean;
  error?: string | null;
  cellId?: string | null;
  tinker?: { variable?: string; tokens?: number } | null;
  external?: { path?: string; format?: string } | null;
  prompt?: {
    tinkerLength: number;
    externalLength: number;
    firstDiff: number;
    tinker?: ITokenWindow;
    external?: ITokenWindow;
  } | null;
  sampled?: ISampledComparison | null;
  suggestion?: string | null;
  notes?: string[];
}

/** Merge verification kinds and the code each belongs to. */
const MERGE_KIND_CODE: Record<string, 'TD201' | 'TD202' | 'TD203'> = {
  'bf16-rounding': 'TD202',
  'gate-up-swapped': 'TD203',
  'w1-w3-swapped': 'TD203',
  'expert-projections-confused': 'TD203',
  'wrong-fused-axis': 'TD203',
  'concat-vs-interleave': 'TD203'
};

/** Short titles for merge verification diagnoses. */
const MERGE_KIND_TITLE: Record<string, string> = {
  'bf16-rounding': 'Merge verification: bfloat16 rounding in the merge',
  'gate-up-swapped': 'Merge verification: gate and up projections swapped',
  'w1-w3-swapped': 'Merge verification: expert w1/w3 mapped wrongly',
  'expert-projections-confused':
    'Merge verification: expert projections mapped wrongly',
  'wrong-fused-axis': 'Merge verification: fused gate_up on the wrong axis',
  'concat-vs-interleave':
    'Merge verification: fused gate_up concatenated/interleaved wrongly',
  'missing-vl-prefix':
    'Merge verification: adapter not applied (missing model.language_model.)',
  'not-applied': 'Merge verification: adapter not applied',
  'wrong-scale': 'Merge verification: wrong LoRA scale',
  'unrelated-delta':
    'Merge verification: the merged change is not this adapter’s',
  'changed-untargeted':
    'Merge verification: tensors outside the adapter changed',
  'missing-target':
    'Merge verification: adapter names tensors the base model lacks',
  'missing-in-merged': 'Merge verification: tensors missing from the merge',
  'shape-changed': 'Merge verification: tensors changed shape',
  mismatch: 'Merge verification: merged weights do not match the adapter'
};

/**
 * Turn the kernel's check results into findings. `cells` locate the cell a
 * check was started from.
 */
export function reviewCheckResults(
  checks: Record<string, unknown> | undefined,
  cells: ReadonlyArray<ICell>
): IRuleResult {
  const result: IRuleResult = { findings: [], checked: [], notes: [] };
  const merge = Private.asObject(checks?.mergeVerify) as IMergeVerifyCheck;
  const compare = Private.asObject(checks?.compare) as ICompareCheck;
  if (merge) {
    if (merge.error) {
      result.notes!.push(`Merge verification did not run: ${merge.error}`);
    } else {
      result.checked.push('merge-verify');
      result.findings.push(...mergeFindings(merge, cells));
    }
  }
  if (compare) {
    if (compare.error) {
      result.notes!.push(`Output comparison did not run: ${compare.error}`);
    } else {
      result.checked.push('compare');
      result.findings.push(...compareFindings(compare, cells));
    }
  }
  return result;
}

/** Findings from one merge verification result (none when it passed). */
export function mergeFindings(
  check: IMergeVerifyCheck,
  cells: ReadonlyArray<ICell>
): IFinding[] {
  const mismatches = check.mismatches ?? [];
  const count = check.mismatchCount ?? mismatches.length;
  if (count === 0 || mismatches.length === 0) {
    return [];
  }
  const kind = check.diagnosis?.kind ?? mismatches[0].kind;
  const code = MERGE_KIND_CODE[kind] ?? 'TD201';
  const listed = mismatches.slice(0, 5).map(Private.describeMismatch);
  const evidence = [
    `${count} of the tensors checked do not satisfy merged − base = ` +
      `(lora_alpha / r)·B·A` +
      (check.scale !== undefined ? ` (scale ${check.scale})` : '') +
      ` in float32 (${check.checked ?? 0} adapted tensors compared).`,
    `First: ${listed.join('; ')}${count > listed.length ? '; …' : ''}.`,
    check.diagnosis?.explanation ?? ''
  ]
    .filter(Boolean)
    .join('\n');
  const severity: Severity = code === 'TD202' ? 'warning' : 'error';
  return [
    {
      ...makeFinding(code, {
        ...Private.at(check.cellId, cells),
        severity,
        title: MERGE_KIND_TITLE[kind] ?? MERGE_KIND_TITLE.mismatch,
        evidence
      }),
      step: 'merge-verify'
    }
  ];
}

/** Findings from one output comparison result. */
export function compareFindings(
  check: ICompareCheck,
  cells: ReadonlyArray<ICell>
): IFinding[] {
  const findings: IFinding[] = [];
  const at = Private.at(check.cellId, cells);
  const prompt = check.prompt;
  if (prompt && prompt.firstDiff >= 0) {
    findings.push(
      makeFinding('TD204', {
        ...at,
        evidence:
          `The prompt token ids first differ at position ` +
          `${prompt.firstDiff} (Tinker ${prompt.tinkerLength} tokens, ` +
          `the external engine ${prompt.externalLength}).\n` +
          `Tinker: ${Private.window(prompt.tinker)}\n` +
          `Engine: ${Private.window(prompt.external)}`
      })
    );
  }
  const sampled = check.sampled;
  if (!sampled) {
    return findings;
  }
  const kind = classifyDivergence(sampled.firstDiff, sampled.maxGapBefore);
  const quietGaps =
    sampled.maxGap === null || sampled.maxGap <= PRECISION_LOGPROB_GAP;
  const severity: Severity =
    kind === 'early'
      ? 'error'
      : kind === 'identical' && quietGaps
        ? 'info'
        : 'warning';
  const lines = [
    sampled.firstDiff < 0
      ? `The ${sampled.compared} sampled tokens are identical.`
      : `The sampled tokens first differ at position ${sampled.firstDiff} ` +
        `of ${sampled.compared} compared.`,
    Private.gapSentence(sampled),
    `Classified as ${DIVERGENCE_MEANING[kind]}.`
  ];
  if (sampled.firstDiff >= 0) {
    lines.push(`Tinker: ${Private.window(sampled.tinker)}`);
    lines.push(`Engine: ${Private.window(sampled.external)}`);
  }
  if (prompt && prompt.firstDiff >= 0) {
    lines.push('The prompts differ (TD204): fix that first.');
  }
  const fix = check.suggestion ?? undefined;
  findings.push(
    makeFinding('TD205', {
      ...at,
      severity,
      title: `Tinker vs external engine: ${Private.label(kind)}`,
      evidence: lines.filter(Boolean).join('\n'),
      ...(fix ? { fix } : {})
    })
  );
  return findings;
}

namespace Private {
  /** The value when it is a plain object. */
  export function asObject(value: unknown): Record<string, unknown> | null {
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  }

  /** Cell id and index of the cell a check was started from. */
  export function at(
    cellId: string | null | undefined,
    cells: ReadonlyArray<ICell>
  ): { cellId: string | null; cellIndex: number | null } {
    if (typeof cellId !== 'string' || !cellId) {
      return { cellId: null, cellIndex: null };
    }
    const cell = cells.find(c => c.id === cellId);
    return { cellId, cellIndex: cell ? cell.index : null };
  }

  /** One mismatch as a short phrase. */
  export function describeMismatch(m: IMergeMismatch): string {
    const parts = [m.kind];
    if (typeof m.maxAbsError === 'number') {
      parts.push(`max |error| ${fmt(m.maxAbsError)}`);
    }
    if (typeof m.expectedNorm === 'number') {
      parts.push(`expected delta norm ${fmt(m.expectedNorm)}`);
    }
    if (typeof m.factor === 'number') {
      parts.push(`delta × ${fmt(m.factor)}`);
    }
    return `${m.tensor} (${parts.join(', ')})`;
  }

  /** The logprob gaps as a sentence, or ''. */
  export function gapSentence(s: ISampledComparison): string {
    if (s.maxGapBefore === null && s.maxGap === null) {
      return 'No logprobs on one side: classified from the tokens alone.';
    }
    const where = s.firstDiff < 0 ? 'over all tokens' : 'before it';
    const before =
      s.maxGapBefore !== null
        ? `Largest logprob gap ${where}: ` +
          `${fmt(s.maxGapBefore)} (rounding noise stays below ` +
          `${PRECISION_LOGPROB_GAP}).`
        : '';
    const after =
      s.firstDiff < 0 && s.maxGap !== null && s.maxGap > PRECISION_LOGPROB_GAP
        ? ' The tokens agree but the logprobs do not: the weights differ.'
        : '';
    return before + after;
  }

  /** The short name of a divergence kind. */
  export function label(kind: DivergenceKind): string {
    return DIVERGENCE_MEANING[kind].split(':')[0];
  }

  /** A token window as text: the decoded text, else the ids. */
  export function window(w: ITokenWindow | undefined): string {
    if (!w) {
      return '(no context)';
    }
    const ids = w.ids ? ` [${w.ids.join(', ')}]` : '';
    const text = typeof w.text === 'string' ? ` ${JSON.stringify(w.text)}` : '';
    return `from position ${w.start}:${text}${ids}`;
  }

  /** A number with 3 significant digits. */
  export function fmt(n: number): string {
    return Math.abs(n) >= 1e-3 || n === 0
      ? String(Number(n.toPrecision(3)))
      : n.toExponential(2);
  }
}
