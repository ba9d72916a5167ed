/**
 * Shared helpers of the renderer rule tests: notebooks from cell sources,
 * facts holding one renderer check, and the rule's or the engine's answer.
 */
import { diagnose } from '../../src/engine/diagnose';
import { IFacts } from '../../src/engine/facts';
import { rendererRules } from '../../src/engine/rules/renderer';
import {
  ICell,
  IDiagnosisInput,
  IFinding,
  IStepResult
} from '../../src/engine/types';

/** A model id the cookbook lists, with the llama3 renderer. */
export const LLAMA = 'meta-llama/Llama-3.1-8B-Instruct';

/** A model id the cookbook lists, with the qwen3 renderers. */
export const QWEN = 'Qwen/Qwen3-8B';

/** A notebook of code cells, one per source, run in order. */
export function notebook(...sources: string[]): IDiagnosisInput['notebook'] {
  const cells: ICell[] = sources.map((source, index) => ({
    index,
    id: `c${index}`,
    cellType: 'code',
    source,
    outputs: [],
    executionCount: index + 1
  }));
  return { cells, language: 'python' };
}

/** The renderer rules' findings for an input. */
export function run(input: IDiagnosisInput): IFinding[] {
  return rendererRules.run(input).findings;
}

/** The codes of the renderer rules' findings, in order. */
export function codes(input: IDiagnosisInput): string[] {
  return run(input).map(f => f.code);
}

/** Facts holding only a renderer check result. */
export function facts(renderer: Record<string, unknown>): IFacts {
  return { schema: 'tinker-doctor/facts@1', checks: { renderer } };
}

/** The renderer path's tokens step as the whole engine reports it. */
export function tokensStep(input: IDiagnosisInput): IStepResult {
  return diagnose(input).steps.find(
    s => s.path === 'renderer' && s.id === 'tokens'
  )!;
}
