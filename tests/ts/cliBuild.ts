/**
 * A private build of the command-line doctor for the CLI and case tests.
 *
 * Several engineers rebuild the shared `build/cli` while tests run; a test
 * that spawned `bin/tinker-doctor.js` mid-rebuild read half-written files.
 * So the tests compile the current sources into a temporary folder laid out
 * like the package (`bin/`, `build/cli/`) and run that copy of the bin
 * script. When that compile fails (someone's file is mid-edit), they fall
 * back to the shared build and say so.
 */
import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

/** Where the doctor under test lives, and how to run it. */
export interface ICliUnderTest {
  /** The bin script to run with node. */
  bin: string;
  /** The compiled engine's `diagnose.js`. */
  diagnose: string;
  /** Environment for the child process. */
  env: NodeJS.ProcessEnv;
  /** Why the shared build is used, when it is. */
  note: string | null;
  /** The temporary folder to remove afterwards. */
  tempDir: string;
}

/** Remove the private build. */
export function disposeCli(cli: ICliUnderTest | undefined): void {
  if (cli) {
    rmSync(cli.tempDir, { recursive: true, force: true });
  }
}

const ROOT = path.resolve(__dirname, '../..');

/** The codes the engine under test implements (read in a child process). */
export function implementedCodesOf(cli: ICliUnderTest): Set<string> {
  const script =
    `const d = require(${JSON.stringify(cli.diagnose)});` +
    'process.stdout.write(JSON.stringify([...d.implementedCodes()]));';
  const run = spawnSync(process.execPath, ['-e', script], {
    encoding: 'utf8',
    env: cli.env
  });
  if (run.status !== 0) {
    throw new Error(`cannot load the engine under test: ${run.stderr}`);
  }
  return new Set(JSON.parse(run.stdout));
}

/** Compile the CLI privately; fall back to the shared build. */
export function buildCli(): ICliUnderTest {
  const dir = mkdtempSync(path.join(tmpdir(), 'td-cli-build-'));
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const outDir = path.join(dir, 'build', 'cli');
  const built = spawnSync(
    process.execPath,
    [tsc, '-p', 'tsconfig.cli.json', '--outDir', outDir],
    { cwd: ROOT, encoding: 'utf8' }
  );
  const env = {
    ...process.env,
    NODE_PATH: path.join(ROOT, 'node_modules')
  };
  if (built.status === 0) {
    mkdirSync(path.join(dir, 'bin'));
    const bin = path.join(dir, 'bin', 'tinker-doctor.js');
    copyFileSync(path.join(ROOT, 'bin', 'tinker-doctor.js'), bin);
    return {
      bin,
      diagnose: path.join(outDir, 'engine', 'diagnose.js'),
      env,
      note: null,
      tempDir: dir
    };
  }
  const shared = path.join(ROOT, 'build', 'cli', 'engine', 'diagnose.js');
  if (!existsSync(shared)) {
    throw new Error(`CLI build failed:\n${built.stdout}${built.stderr}`);
  }
  return {
    bin: path.join(ROOT, 'bin', 'tinker-doctor.js'),
    diagnose: shared,
    env,
    note:
      'private CLI build failed, using the shared build/cli: ' +
      (built.stdout + built.stderr).split('\n')[0],
    tempDir: dir
  };
}
