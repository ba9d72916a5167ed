import { IDiagnosisInput, IRuleModule, IRuleResult } from '../types';
import { reviewComparisonOutputs } from './comparison';
import { reviewMergeCode } from './mergeReview';

/**
 * Output correctness (TD201–TD205): merge code review over the cells and
 * comparisons of Tinker's samples with an external engine's.
 */
export const correctnessRules: IRuleModule = {
  name: 'output correctness',
  codes: ['TD201', 'TD202', 'TD203', 'TD204', 'TD205'],
  run(input: IDiagnosisInput): IRuleResult {
    const cells = input.notebook?.cells ?? [];
    if (cells.length === 0) {
      return { findings: [], checked: [] };
    }
    return {
      findings: [...reviewMergeCode(cells), ...reviewComparisonOutputs(cells)],
      checked: ['merge-code']
    };
  }
};
