/**
 * `tinker-doctor diagnose NOTEBOOK.ipynb [--facts F] [--metrics M] [--json]`.
 */

// TODO(scaffold): the command-line doctor is being written.
export async function main(argv: string[]): Promise<number> {
  process.stderr.write('tinker-doctor: not built yet\n');
  return 2;
}
