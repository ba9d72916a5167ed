/**
 * The loop-shape rules (TRIAGE.md, "Training-loop shape", and TD107): static
 * analysis of the notebook's cell sources with the facts' SDK version.
 */
import { IRuleModule } from '../types';
import { LoopShapeAnalyzer } from './analyzer';

export { LoopShapeAnalyzer } from './analyzer';
export type { IAnalysisCell, IAsyncOptions } from './analyzer';
export { blankMagics } from './magics';

/** One analyzer for the module, so repeated diagnoses reuse its cache. */
const analyzer = new LoopShapeAnalyzer();

/** The codes this module emits. */
const CODES = ['TD107', 'TD110', 'TD111', 'TD112', 'TD113', 'TD114', 'TD115'];

/** The loop-shape rule module. */
export const loopShapeRules: IRuleModule = {
  name: 'loop-shape',
  codes: CODES,
  run: input => {
    const notebook = input.notebook;
    if (!notebook) {
      return {
        findings: analyzer.analyse([], input.facts),
        checked: [],
        notes: []
      };
    }
    const language = notebook.language;
    if (language && language.toLowerCase() !== 'python') {
      return {
        findings: [],
        checked: [],
        notes: [
          `The training-loop checks read Python only; this notebook's ` +
            `language is ${language}.`
        ]
      };
    }
    return {
      findings: analyzer.analyse(notebook.cells, input.facts),
      checked: ['loop-shape']
    };
  }
};
