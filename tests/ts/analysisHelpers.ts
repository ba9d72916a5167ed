/**
 * Helpers for the loop-shape analysis tests: notebooks from source strings.
 */
import { LoopShapeAnalyzer } from '../../src/engine/analysis';
import { FACTS_SCHEMA, IFacts } from '../../src/engine/facts';
import { IFinding } from '../../src/engine/types';

/** Cells from sources; a leading import cell is not added. */
export function cells(sources: string[]) {
  return sources.map((source, index) => ({
    index,
    id: `c${index}`,
    cellType: 'code' as const,
    source
  }));
}

/** Facts with a tinker version (and more fields when given). */
export function factsWith(
  version: string | null,
  extra: Partial<IFacts> = {}
): IFacts {
  return {
    schema: FACTS_SCHEMA,
    packages: version === null ? {} : { tinker: version },
    ...extra
  };
}

/** Analyse sources with a fresh analyzer. */
export function analyse(sources: string[], facts?: IFacts): IFinding[] {
  return new LoopShapeAnalyzer().analyse(cells(sources), facts);
}

/** `CODE@cell:line` for each finding of the given codes, sorted. */
export function where(findings: IFinding[], ...codes: string[]): string[] {
  return findings
    .filter(f => codes.length === 0 || codes.includes(f.code))
    .map(f => `${f.code}@${f.cellIndex}:${f.line}`)
    .sort();
}

/** The setup cell most tests start with (old-style client creation). */
export const SETUP = [
  'import tinker',
  'from tinker import types',
  'service_client = tinker.ServiceClient()',
  'tc = service_client.create_lora_training_client(',
  '    base_model="Qwen/Qwen3-8B", rank=32)'
].join('\n');

/** The same in SDK 0.38 style: the creation future is awaited. */
export const SETUP_NEW = [
  'import tinker',
  'from tinker import types',
  'service_client = tinker.ServiceClient()',
  'tc = await service_client.create_lora_training_client(',
  '    base_model="Qwen/Qwen3-8B", rank=32)'
].join('\n');

/** Lines joined into one cell source. */
export function src(...lines: string[]): string {
  return lines.join('\n');
}
