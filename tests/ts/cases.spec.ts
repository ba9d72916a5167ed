/**
 * The shared cases through the built command-line doctor: every case folder
 * in /work/shared/cases (or TD_CASES_DIR) is diagnosed with
 * `node bin/tinker-doctor.js diagnose … --json` (a private build of the
 * current sources, see cliBuild.ts), and its `expect` and
 * `expect_not` lists are checked. Expectations for codes that no rule module
 * implements yet are skipped — by code, and printed — never hidden.
 */
import { spawnSync } from 'child_process';
import { existsSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import {
  buildCli,
  disposeCli,
  ICliUnderTest,
  implementedCodesOf
} from './cliBuild';
import { CASES_DIR } from './casesDir';

const CASES = CASES_DIR;

interface IExpect {
  code: string;
  cellIndex?: number;
  line?: number;
}

interface ICase {
  id: string;
  title: string;
  inputs: Record<string, string>;
  expect: IExpect[];
  expect_not: string[];
}

interface IJsonFinding {
  code: string;
  severity: string;
  cellIndex: number | null;
  line: number | null;
}

function loadCases(): ICase[] {
  if (!existsSync(CASES)) {
    return [];
  }
  return readdirSync(CASES)
    .filter(name => existsSync(path.join(CASES, name, 'case.json')))
    .sort()
    .map(name => {
      const raw = JSON.parse(
        readFileSync(path.join(CASES, name, 'case.json'), 'utf8')
      );
      return {
        id: raw.id ?? name,
        title: raw.title ?? '',
        inputs: raw.inputs ?? {},
        expect: raw.expect ?? [],
        expect_not: raw.expect_not ?? []
      };
    });
}

function runCase(c: ICase): {
  status: number | null;
  findings: IJsonFinding[];
  stderr: string;
} {
  const dir = path.join(CASES, c.id);
  const args = [cli.bin, 'diagnose'];
  if (c.inputs.notebook) {
    args.push(path.join(dir, c.inputs.notebook));
  }
  if (c.inputs.facts) {
    args.push('--facts', path.join(dir, c.inputs.facts));
  }
  if (c.inputs.metrics) {
    args.push('--metrics', path.join(dir, c.inputs.metrics));
  }
  args.push('--json');
  const run = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: cli.env
  });
  let findings: IJsonFinding[] = [];
  if (run.status === 0 || run.status === 1) {
    findings = JSON.parse(run.stdout).findings;
  }
  return { status: run.status, findings, stderr: run.stderr };
}

function matches(f: IJsonFinding, e: IExpect): boolean {
  return (
    f.code === e.code &&
    (e.cellIndex === undefined || f.cellIndex === e.cellIndex) &&
    (e.line === undefined || f.line === e.line)
  );
}

const cases = loadCases();
let cli: ICliUnderTest;
let implemented = new Set<string>();
const skipped = new Map<string, string[]>();
let passedChecks = 0;

beforeAll(() => {
  cli = buildCli();
  if (cli.note) {
    process.stdout.write(`cases: ${cli.note}\n`);
  }
  // The codes of the built engine, which is what the CLI runs.
  implemented = implementedCodesOf(cli);
});

afterAll(() => {
  disposeCli(cli);
  const codes = [...skipped.keys()].sort();
  const count = [...skipped.values()].reduce((n, ids) => n + ids.length, 0);
  const detail = codes
    .map(code => `${code} (${skipped.get(code)!.join(', ')})`)
    .join('; ');
  process.stdout.write(
    `cases: ${cases.length} cases, ${passedChecks} checks pass, ` +
      `${count} skipped` +
      (codes.length ? ` (codes not implemented: ${detail})` : '') +
      '\n'
  );
});

describe('shared cases through the CLI', () => {
  it('finds the case folders', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases.map(c => [c.id, c] as [string, ICase]))(
    '%s: expected findings present, forbidden ones absent',
    (_id, c) => {
      const result = runCase(c);
      const problems: string[] = [];
      if (result.status !== 0 && result.status !== 1) {
        problems.push(`CLI exit status ${result.status}: ${result.stderr}`);
      } else {
        const errors = result.findings.some(f => f.severity === 'error');
        if (result.status !== (errors ? 1 : 0)) {
          problems.push(`exit status ${result.status} with errors=${errors}`);
        }
      }
      for (const e of c.expect) {
        if (!implemented.has(e.code)) {
          skipped.set(e.code, [...(skipped.get(e.code) ?? []), c.id]);
          continue;
        }
        if (result.findings.some(f => matches(f, e))) {
          passedChecks++;
        } else {
          const got = result.findings
            .filter(f => f.code === e.code)
            .map(f => `cell ${f.cellIndex} line ${f.line}`);
          problems.push(
            `missing ${JSON.stringify(e)}` +
              (got.length ? ` (found at ${got.join(', ')})` : '')
          );
        }
      }
      for (const code of c.expect_not) {
        if (!implemented.has(code)) {
          skipped.set(code, [...(skipped.get(code) ?? []), `${c.id} (not)`]);
          continue;
        }
        const wrong = result.findings.filter(f => f.code === code);
        if (wrong.length === 0) {
          passedChecks++;
        } else {
          problems.push(
            `unwanted ${code} at ` +
              wrong.map(f => `cell ${f.cellIndex} line ${f.line}`).join(', ')
          );
        }
      }
      expect(problems).toEqual([]);
    }
  );
});
