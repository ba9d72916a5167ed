/**
 * The loop-shape rules (TRIAGE.md, "Training-loop shape", and TD107): static
 * analysis of the notebook's cell sources with the facts' SDK version.
 *
 * How it reads a notebook: each code cell is parsed once with
 * `@lezer/python` (IPython magics blanked first) into a summary of scopes,
 * loops and calls in evaluation order (`summary.ts`, `walker.ts`), cached
 * by source text. A cheap pass over the summaries (`program.ts`) learns
 * which names hold Tinker clients and futures across cells and resolves each
 * scope's calls into submissions and waits; the rules read those.
 *
 * For the UI: use `LoopShapeAnalyzer` (one instance per panel) and
 * `analyseAsync`, which parses uncached cells in short slices.
 *
 * Notes:
 * - It reads code as a reader would: a client passed through a container
 *   or created by an imported helper is not followed (names the kernel
 *   agent reports in `facts.clients` are).
 * - Cells are read in notebook order, not execution order.
 * - Without a tinker version in the facts, the SDK semantics are inferred
 *   from the code and the evidence says which were assumed.
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
