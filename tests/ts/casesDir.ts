/**
 * Where the shared cases live: `TD_CASES_DIR`, else `shared/cases` beside
 * the repository (as CI lays it out), else `/work/shared/cases`. A missing
 * folder is an error, never an empty list: a case test must not pass by
 * running no case.
 */
import { existsSync } from 'fs';
import * as path from 'path';

function findCasesDir(): string {
  const candidates = [
    process.env.TD_CASES_DIR,
    path.resolve(__dirname, '../../../shared/cases'),
    '/work/shared/cases'
  ].filter((dir): dir is string => !!dir);
  const found = candidates.find(dir => existsSync(path.join(dir, 'README.md')));
  if (!found) {
    throw new Error(
      `The shared cases are missing (looked in ${candidates.join(', ')}); ` +
        'set TD_CASES_DIR.'
    );
  }
  return found;
}

/** The folder holding one sub-folder per case. */
export const CASES_DIR = findCasesDir();
