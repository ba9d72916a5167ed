/**
 * The renderer path (TD401–TD406): which renderer the cells use and whether
 * it suits the model and the data, what the kernel's renderer check found,
 * and whether the sample–train KL at step 0 points at the renderer.
 */
import { IDiagnosisInput, IFinding, IRuleModule } from '../types';
import { scanCells } from './rendererCells';
import {
  checkFindings,
  modelInUse,
  nameFindings,
  thinkingFindings,
  weightFindings
} from './rendererStatic';
import { klFindings, tokenFindings } from './rendererTokens';

/** Renderer rules: static (cells), check-based (facts) and metric-based. */
export const rendererRules: IRuleModule = {
  name: 'renderer',
  codes: ['TD401', 'TD402', 'TD403', 'TD404', 'TD405', 'TD406'],
  run: (input: IDiagnosisInput) => {
    const findings: IFinding[] = [];
    const checked: string[] = [];
    const notes: string[] = [];
    const cells = scanCells(input);
    const check = input.facts?.checks?.renderer;
    if (input.notebook) {
      const model = modelInUse(cells, check, input.facts?.modelsInUse);
      const cookbook = input.facts?.packages?.['tinker-cookbook'] ?? null;
      findings.push(...nameFindings(cells, model, check, cookbook));
      findings.push(...weightFindings(input.notebook.cells));
      if (cells.renderers.length > 0) {
        checked.push('config');
      }
    }
    findings.push(...thinkingFindings(cells, check));
    findings.push(...checkFindings(check));
    if (check) {
      if (typeof check.error === 'string' && check.error) {
        notes.push(`The renderer check could not run: ${check.error}`);
      } else {
        findings.push(...tokenFindings(check, cells));
        checked.push('tokens');
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
      findings.push(...klFindings(input.metrics, check));
    }
    return { findings, checked, notes };
  }
};
