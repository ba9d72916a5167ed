/**
 * The renderer path (TD401–TD406): which renderer the cells use and whether
 * it suits the model and the data, what the kernel's renderer check found,
 * and whether the sample–train KL at step 0 points at the renderer.
 */
import { IRendererCheck } from '../facts';
import { IDiagnosisInput, IFinding, IRuleModule, IRuleResult } from '../types';
import { scanCells } from './rendererCells';
import {
  checkFindings,
  nameFindings,
  thinkingFindings,
  weightFindings
} from './rendererStatic';
import { klFindings } from './rendererKl';
import { tokenFindings } from './rendererTokens';

/** Renderer rules: static (cells), check-based (facts) and metric-based. */
export const rendererRules: IRuleModule = {
  name: 'renderer',
  codes: ['TD401', 'TD402', 'TD403', 'TD404', 'TD405', 'TD406'],
  run: (input: IDiagnosisInput) => {
    const findings: IFinding[] = [];
    const checked: string[] = [];
    const notes: string[] = [];
    const stepNotes: Record<string, string[]> = {};
    const cells = scanCells(input);
    const check = input.facts?.checks?.renderer;
    if (input.notebook) {
      const cookbook = input.facts?.packages?.['tinker-cookbook'] ?? null;
      findings.push(
        ...nameFindings(cells, check, cookbook, input.facts?.modelsInUse)
      );
      findings.push(...weightFindings(input.notebook.cells));
      if (cells.renderers.length > 0) {
        checked.push('config');
      }
    }
    findings.push(...thinkingFindings(cells, check));
    findings.push(...checkFindings(check, cells));
    if (check) {
      const failed = typeof check.error === 'string' && check.error !== '';
      if (!failed || Private.someErrored(check)) {
        // Comparisons ran, even if none rendered (older agents then also
        // set `error`): the tokens step is judged, never left unchecked.
        findings.push(...tokenFindings(check, cells));
        checked.push('tokens');
      } else {
        // Only under the step (the panel and the CLI show step notes).
        stepNotes.tokens = [
          'Tokens not compared: the renderer check could not run: ' +
            check.error
        ];
      }
      // What the check assumed (which model, which renderer, which
      // conversations), in its own words.
      const said = Array.isArray(check.notes) ? check.notes : [];
      notes.push(
        ...said
          .filter((n): n is string => typeof n === 'string' && n !== '')
          .map(n => `Renderer check: ${n}`)
      );
    }
    if (input.metrics) {
      const kl = klFindings(input.metrics, check);
      findings.push(...kl.findings);
      if (kl.notes.length > 0) {
        stepNotes.tokens = [...(stepNotes.tokens ?? []), ...kl.notes];
      }
    }
    const result: IRuleResult = { findings, checked, notes };
    if (Object.keys(stepNotes).length > 0) {
      result.stepNotes = stepNotes;
    }
    return result;
  }
};

namespace Private {
  /**
   * Whether the check compared conversations and some could not be
   * rendered (`errored`, or conversations with an `error`).
   */
  export function someErrored(check: IRendererCheck): boolean {
    if (typeof check.errored === 'number' && check.errored > 0) {
      return true;
    }
    const list: unknown[] = Array.isArray(check.conversations)
      ? check.conversations
      : [];
    return list.some(c => {
      const error = (c as { error?: unknown } | null)?.error;
      return typeof error === 'string' && error !== '';
    });
  }
}
