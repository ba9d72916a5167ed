/**
 * Read the doctor's input files. Every failure becomes an `InputError` whose
 * message names the file and fits on one line.
 */
import { readFileSync } from 'fs';
import { FACTS_SCHEMA, IFacts } from '../engine/facts';
import { InputError, readNotebook } from '../engine/notebook';
import { readMetrics } from '../engine/timing/metrics';
import { IMetricsInput, INotebookInput } from '../engine/types';

/** Read a file as UTF-8 text, with a one-line message when it cannot be. */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : ((error as Error).message ?? String(error));
    throw new InputError(`${what} ${file}: ${reason}`);
  }
}

/** Read and check a notebook file. */
export function loadNotebook(file: string): INotebookInput {
  const text = readText(file, 'notebook');
  try {
    return readNotebook(text);
  } catch (error) {
    throw new InputError(`notebook ${file}: ${Private.message(error)}`);
  }
}

/** Read and check a facts file (`tinker-doctor/facts@1`). */
export function loadFacts(file: string): IFacts {
  const text = readText(file, 'facts');
  let facts: unknown;
  try {
    facts = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `facts ${file}: not valid JSON (${Private.message(error)})`
    );
  }
  const problem = validateFacts(facts);
  if (problem) {
    throw new InputError(`facts ${file}: ${problem}`);
  }
  return facts as IFacts;
}

/** Read a cookbook metrics.jsonl file. */
export function loadMetrics(file: string): IMetricsInput {
  const text = readText(file, 'metrics');
  try {
    return readMetrics(text);
  } catch (error) {
    throw new InputError(`metrics ${file}: ${Private.message(error)}`);
  }
}

/**
 * What is wrong with a facts object, or null when it can be used: the
 * schema tag must match, and the fields the engine walks must have the
 * right container types.
 */
export function validateFacts(facts: unknown): string | null {
  if (!facts || typeof facts !== 'object' || Array.isArray(facts)) {
    return 'not a JSON object';
  }
  const record = facts as Record<string, unknown>;
  if (record.schema !== FACTS_SCHEMA) {
    const tag =
      record.schema === undefined ? 'missing' : JSON.stringify(record.schema);
    return `schema tag is ${tag}, expected "${FACTS_SCHEMA}"`;
  }
  const objects = [
    'python',
    'packages',
    'requirements',
    'env',
    'sdk',
    'checks'
  ];
  for (const key of objects) {
    const value = record[key];
    if (
      value !== undefined &&
      value !== null &&
      (typeof value !== 'object' || Array.isArray(value))
    ) {
      return `"${key}" must be an object`;
    }
  }
  const arrays = [
    'threads',
    'clients',
    'stalls',
    'waits',
    'cellRuns',
    'modelsInUse'
  ];
  for (const key of arrays) {
    const value = record[key];
    if (value !== undefined && value !== null && !Array.isArray(value)) {
      return `"${key}" must be a list`;
    }
  }
  return null;
}

namespace Private {
  export function message(error: unknown): string {
    const text = error instanceof Error ? error.message : String(error);
    return text.split('\n')[0];
  }
}
