/**
 * Command-line arguments of `tinker-doctor`.
 */

/** What the user asked for. */
export interface IOptions {
  command: 'diagnose' | 'help';
  notebook: string | null;
  facts: string | null;
  metrics: string | null;
  json: boolean;
}

/** A usage mistake: the message is shown with a pointer to `--help`. */
export class UsageError extends Error {}

/** The text of `--help`. */
export const HELP = `Usage: tinker-doctor diagnose NOTEBOOK.ipynb [options]
       tinker-doctor diagnose --facts FILE [--metrics FILE] [--json]

Diagnose a Tinker training notebook: training-loop shape, environment,
service and error findings from the notebook, and optionally the facts the
kernel agent saved and a cookbook metrics.jsonl. Without a notebook, only
the facts and metrics are read.

Options:
  --facts FILE     facts JSON saved from the kernel (tinker-doctor/facts@1)
  --metrics FILE   cookbook metrics.jsonl of the run
  --json           print {"findings": [...]} instead of text
  -h, --help       show this help

Exit status: 0 when no finding is an error, 1 when one is, 2 for bad input
(unreadable or invalid notebook, facts or metrics, or bad arguments).
`;

/**
 * Parse `argv` (without the node and script paths).
 *
 * @throws UsageError for unknown options, missing values or files.
 */
export function parseArgs(argv: string[]): IOptions {
  const options: IOptions = {
    command: 'diagnose',
    notebook: null,
    facts: null,
    metrics: null,
    json: false
  };
  if (argv.some(a => a === '-h' || a === '--help' || a === 'help')) {
    return { ...options, command: 'help' };
  }
  const [command, ...rest] = argv;
  if (command === undefined) {
    throw new UsageError('no command given (expected "diagnose")');
  }
  if (command !== 'diagnose') {
    throw new UsageError(`unknown command "${command}" (expected "diagnose")`);
  }
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const [flag, inline] = Private.split(arg);
    switch (flag) {
      case '--json':
        if (inline !== null) {
          throw new UsageError('--json takes no value');
        }
        options.json = true;
        break;
      case '--facts':
      case '--metrics': {
        const value = inline ?? rest[++i];
        if (value === undefined || value === '') {
          throw new UsageError(`${flag} needs a file name`);
        }
        options[flag === '--facts' ? 'facts' : 'metrics'] = value;
        break;
      }
      default:
        if (arg.startsWith('-') && arg !== '-') {
          throw new UsageError(`unknown option ${arg}`);
        }
        if (options.notebook !== null) {
          throw new UsageError(`more than one notebook given (${arg})`);
        }
        options.notebook = arg;
    }
  }
  if (options.notebook === null && !options.facts && !options.metrics) {
    throw new UsageError('no notebook given');
  }
  return options;
}

namespace Private {
  /** `--facts=x` → [`--facts`, `x`]; other arguments are left whole. */
  export function split(arg: string): [string, string | null] {
    if (arg.startsWith('--') && arg.includes('=')) {
      const at = arg.indexOf('=');
      return [arg.slice(0, at), arg.slice(at + 1)];
    }
    return [arg, null];
  }
}
