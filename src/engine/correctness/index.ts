import { IDiagnosisInput, IRuleModule, IRuleResult } from '../types';
import { reviewCheckResults } from './checks';
import { reviewComparisonOutputs } from './comparison';
import { reviewMergeCode } from './mergeReview';

/**
 * Output correctness (TD201–TD205): merge code review over the cells,
 * comparisons of Tinker's samples with an external engine's printed in
 * outputs, and the kernel's merge verification and output comparison.
 */
export const correctnessRules: IRuleModule = {
  name: 'output correctness',
  codes: ['TD201', 'TD202', 'TD203', 'TD204', 'TD205'],
  run(input: IDiagnosisInput): IRuleResult {
    const cells = input.notebook?.cells ?? [];
    const fromChecks = reviewCheckResults(input.facts?.checks, cells);
    if (cells.length === 0) {
      return fromChecks;
    }
    return {
      findings: [
        ...reviewMergeCode(cells),
        ...reviewComparisonOutputs(cells),
        ...fromChecks.findings
      ],
      checked: ['merge-code', ...fromChecks.checked],
      notes: fromChecks.notes
    };
  }
};
