/**
 * `tinker-doctor diagnose NOTEBOOK.ipynb [--facts F] [--metrics M] [--json]`:
 * the engine over a saved notebook, for CI, shared bug reports and the case
 * tests.
 */
import { diagnose } from '../engine/diagnose';
import { InputError } from '../engine/notebook';
import { IDiagnosisInput } from '../engine/types';
import { HELP, parseArgs, UsageError } from './args';
import { toJson, toText } from './format';
import { redactSecrets } from '../engine/redact';
import { loadFacts, loadMetrics, loadNotebook } from './inputs';
import { terminalSafe } from './terminal';

/** Exit status when no finding is an error. */
export const EXIT_OK = 0;
/** Exit status when some finding is an error. */
export const EXIT_ERRORS = 1;
/** Exit status for bad input or bad arguments. */
export const EXIT_BAD_INPUT = 2;

/**
 * Run the doctor.
 *
 * @param argv - the arguments after the script name
 * @returns the exit status
 */
export async function main(argv: string[]): Promise<number> {
  // `tinker-doctor … | head` closes the pipe early: the rest of the output
  // is dropped, and the exit status still tells the findings.
  process.stdout.on('error', error => {
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') {
      throw error;
    }
  });
  let options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      Private.complain(`${error.message} (see tinker-doctor --help)`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  if (options.command === 'help') {
    process.stdout.write(HELP);
    return EXIT_OK;
  }
  let input: IDiagnosisInput;
  try {
    input = {
      notebook: options.notebook ? loadNotebook(options.notebook) : undefined,
      facts: options.facts ? loadFacts(options.facts) : undefined,
      metrics: options.metrics ? loadMetrics(options.metrics) : undefined
    };
  } catch (error) {
    if (error instanceof InputError) {
      Private.complain(error.message);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
  const diagnosis = diagnose(input);
  if (options.json) {
    process.stdout.write(toJson(diagnosis));
    diagnosis.notes.forEach(n => Private.complain(`note: ${n}`));
  } else {
    process.stdout.write(
      toText(diagnosis, options.notebook ?? options.facts ?? options.metrics!)
    );
  }
  return diagnosis.findings.some(f => f.severity === 'error')
    ? EXIT_ERRORS
    : EXIT_OK;
}

namespace Private {
  /** Write one message to stderr, without secrets or control characters. */
  export function complain(message: string): void {
    process.stderr.write(
      `tinker-doctor: ${terminalSafe(redactSecrets(message))}\n`
    );
  }
}
