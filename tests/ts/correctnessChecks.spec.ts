import {
  compareFindings,
  ICompareCheck,
  IMergeVerifyCheck,
  mergeFindings,
  reviewCheckResults
} from '../../src/engine/correctness/checks';
import { diagnose } from '../../src/engine/diagnose';
import { FACTS_SCHEMA } from '../../src/engine/facts';
import { ICell, IDiagnosis } from '../../src/engine/types';

const CELLS: ICell[] = [
  {
    index: 0,
    id: 'md',
    cellType: 'markdown',
    source: '# Export',
    outputs: [],
    executionCount: null
  },
  {
    index: 1,
    id: 'merge-cell',
    cellType: 'code',
    source: 'merged = load_merged()',
    outputs: [],
    executionCount: 3
  }
];

/** A merge verification result as merge_verify.run() returns it. */
function merge(overrides: Partial<IMergeVerifyCheck> = {}): IMergeVerifyCheck {
  return {
    ok: false,
    checked: 10,
    mismatchCount: 2,
    mismatches: [
      {
        tensor: 'model.layers.0.mlp.gate_proj.weight',
        kind: 'gate-up-swapped',
        maxAbsError: 0.8125,
        expectedNorm: 6.5
      },
      {
        tensor: 'model.layers.0.mlp.up_proj.weight',
        kind: 'gate-up-swapped',
        maxAbsError: 0.79,
        expectedNorm: 6.4
      }
    ],
    diagnosis: {
      kind: 'gate-up-swapped',
      explanation: 'gate_proj received up_proj’s delta.'
    },
    error: null,
    cellId: 'merge-cell',
    scale: 2,
    ...overrides
  };
}

/** An output comparison result as compare.run() returns it. */
function compare(overrides: Partial<ICompareCheck> = {}): ICompareCheck {
  return {
    ok: true,
    error: null,
    cellId: 'merge-cell',
    prompt: { tinkerLength: 12, externalLength: 12, firstDiff: -1 },
    sampled: {
      firstDiff: 20,
      compared: 24,
      tinkerLength: 24,
      externalLength: 24,
      maxGapBefore: 0.02,
      maxGap: 0.3,
      logprobDiffs: [0.02, 0.01],
      tinker: { start: 12, ids: [101, 32], text: 'e capital of ' },
      external: { start: 12, ids: [101, 88], text: 'e capitaX of ' }
    },
    suggestion: 'Merge in float32, then cast.',
    ...overrides
  };
}

function step(diagnosis: IDiagnosis, id: string) {
  return diagnosis.steps.find(
    s => s.path === 'output-correctness' && s.id === id
  );
}

describe('merge verification findings', () => {
  it('passes the merge-verify step and emits nothing when the merge is right', () => {
    const ok = merge({
      ok: true,
      mismatches: [],
      mismatchCount: 0,
      diagnosis: null
    });
    const result = diagnose({
      facts: { schema: FACTS_SCHEMA, checks: { mergeVerify: ok } }
    });
    expect(result.findings.filter(f => f.step === 'merge-verify')).toEqual([]);
    expect(step(result, 'merge-verify')?.status).toBe('passed');
    expect(step(result, 'compare')?.status).toBe('not-checked');
  });

  it('names gate/up swaps as TD203 on the cell the check came from', () => {
    const [finding] = mergeFindings(merge(), CELLS);
    expect(finding.code).toBe('TD203');
    expect(finding.severity).toBe('error');
    expect(finding.step).toBe('merge-verify');
    expect(finding.cellId).toBe('merge-cell');
    expect(finding.cellIndex).toBe(1);
    expect(finding.title).toMatch(/gate and up/);
    expect(finding.evidence).toMatch(
      /2 of the tensors.*\(scale 2\).*10 adapted tensors/
    );
    expect(finding.evidence).toContain(
      'model.layers.0.mlp.gate_proj.weight (gate-up-swapped, max |error| ' +
        '0.813, expected delta norm 6.5)'
    );
    expect(finding.evidence).toContain('gate_proj received');
  });

  it.each([
    ['w1-w3-swapped', 'TD203', 'error', /w1\/w3/],
    ['wrong-fused-axis', 'TD203', 'error', /wrong axis/],
    ['concat-vs-interleave', 'TD203', 'error', /interleaved/],
    ['bf16-rounding', 'TD202', 'warning', /bfloat16/],
    ['missing-vl-prefix', 'TD201', 'error', /model\.language_model\./],
    ['not-applied', 'TD201', 'error', /not applied/],
    ['wrong-scale', 'TD201', 'error', /scale/],
    ['unrelated-delta', 'TD201', 'error', /not this adapter/],
    ['mismatch', 'TD201', 'error', /do not match/]
  ])('maps %s to %s', (kind, code, severity, title) => {
    const check = merge({
      diagnosis: { kind, explanation: `because ${kind}` },
      mismatches: [
        { tensor: 't', kind, maxAbsError: 1e-4, expectedNorm: 2, factor: 0.5 }
      ],
      mismatchCount: 1
    });
    const [finding] = mergeFindings(check, CELLS);
    expect([finding.code, finding.severity]).toEqual([code, severity]);
    expect(finding.title).toMatch(title);
    expect(finding.evidence).toContain(`because ${kind}`);
    expect(finding.evidence).toContain('max |error| 1.00e-4');
  });

  it('reports a check that could not run as a note, not as checked', () => {
    const failed = merge({ error: 'no adapter_config.json in /x' });
    const result = reviewCheckResults({ mergeVerify: failed }, CELLS);
    expect(result.findings).toEqual([]);
    expect(result.checked).toEqual([]);
    expect(result.notes).toEqual([
      'Merge verification did not run: no adapter_config.json in /x'
    ]);
  });

  it('keeps the cell id when the notebook is not at hand', () => {
    const result = diagnose({
      facts: { schema: FACTS_SCHEMA, checks: { mergeVerify: merge() } }
    });
    const finding = result.findings.find(f => f.step === 'merge-verify');
    expect(finding?.cellId).toBe('merge-cell');
    expect(finding?.cellIndex).toBeNull();
    expect(step(result, 'merge-verify')?.status).toBe('failed');
  });
});

describe('output comparison findings', () => {
  it('classifies a late small drift as TD205 with the engine suggestion', () => {
    const findings = compareFindings(compare(), CELLS);
    expect(findings.map(f => f.code)).toEqual(['TD205']);
    const [finding] = findings;
    expect(finding.severity).toBe('warning');
    expect(finding.title).toBe('Tinker vs external engine: late small drift');
    expect(finding.fix).toBe('Merge in float32, then cast.');
    expect(finding.cellIndex).toBe(1);
    expect(finding.evidence).toContain('first differ at position 20 of 24');
    expect(finding.evidence).toContain('Largest logprob gap before it: 0.02');
    expect(finding.evidence).toContain(
      'Engine: from position 12: "e capitaX of " [101, 88]'
    );
  });

  it('classifies an early divergence as an error', () => {
    const sampled = { ...compare().sampled!, firstDiff: 2, maxGapBefore: 0 };
    const [finding] = compareFindings(compare({ sampled }), CELLS);
    expect(finding.severity).toBe('error');
    expect(finding.title).toMatch(/early divergence/);
  });

  it('treats a large logprob gap before a late divergence as early', () => {
    const sampled = { ...compare().sampled!, maxGapBefore: 0.4 };
    const [finding] = compareFindings(compare({ sampled }), CELLS);
    expect(finding.title).toMatch(/early divergence/);
  });

  it('reports identical samples as info, unless the logprobs disagree', () => {
    const same = {
      ...compare().sampled!,
      firstDiff: -1,
      maxGapBefore: 0.001,
      maxGap: 0.001
    };
    const [quiet] = compareFindings(compare({ sampled: same }), CELLS);
    expect([quiet.severity, quiet.title]).toEqual([
      'info',
      'Tinker vs external engine: identical'
    ]);
    expect(quiet.evidence).toContain('The 24 sampled tokens are identical.');
    const loud = { ...same, maxGapBefore: 0.3, maxGap: 0.3 };
    const [finding] = compareFindings(compare({ sampled: loud }), CELLS);
    expect(finding.severity).toBe('warning');
    expect(finding.evidence).toContain('the logprobs do not');
  });

  it('reports differing prompt tokens as TD204 with both contexts', () => {
    const prompt = {
      tinkerLength: 11,
      externalLength: 14,
      firstDiff: 0,
      tinker: { start: 0, ids: [116, 104], text: 'th' },
      external: { start: 0, ids: [60, 115], text: '<s' }
    };
    const findings = compareFindings(compare({ prompt }), CELLS);
    expect(findings.map(f => f.code)).toEqual(['TD204', 'TD205']);
    expect(findings[0].evidence).toBe(
      'The prompt token ids first differ at position 0 (Tinker 11 tokens, ' +
        'the external engine 14).\n' +
        'Tinker: from position 0: "th" [116, 104]\n' +
        'Engine: from position 0: "<s" [60, 115]'
    );
    expect(findings[1].evidence).toContain('The prompts differ (TD204)');
  });

  it('says when no logprobs were at hand', () => {
    const sampled = {
      ...compare().sampled!,
      maxGapBefore: null,
      maxGap: null,
      logprobDiffs: null
    };
    const [finding] = compareFindings(compare({ sampled }), CELLS);
    expect(finding.evidence).toContain('classified from the tokens alone');
  });

  it('marks the compare step checked through the rule module', () => {
    const result = diagnose({
      notebook: { cells: CELLS },
      facts: { schema: FACTS_SCHEMA, checks: { compare: compare() } }
    });
    expect(step(result, 'compare')?.status).toBe('warning');
    expect(step(result, 'merge-code')?.status).toBe('passed');
    const failed = diagnose({
      facts: {
        schema: FACTS_SCHEMA,
        checks: { compare: { error: 'no variable response' } }
      }
    });
    expect(step(failed, 'compare')?.status).toBe('not-checked');
    expect(failed.notes).toContain(
      'Output comparison did not run: no variable response'
    );
  });
});
