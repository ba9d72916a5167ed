/**
 * The shared cases that carry facts, run through the whole engine: every
 * `expect` and `expect_not` entry whose code the environment, live or
 * service rules declare must hold. Set TD_CASES_DIR to use another folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import { diagnose } from '../../src/engine/diagnose';
import { IFacts } from '../../src/engine/facts';
import { readNotebook } from '../../src/engine/notebook';
import { environmentRules } from '../../src/engine/rules/environment';
import { liveRules } from '../../src/engine/rules/live';
import { serviceRules } from '../../src/engine/rules/service';
import { IDiagnosis, IDiagnosisInput } from '../../src/engine/types';
import { CASES_DIR } from './casesDir';

const OWN_CODES = new Set([
  ...environmentRules.codes,
  ...liveRules.codes,
  ...serviceRules.codes
]);

interface IExpectation {
  code: string;
  cellIndex?: number;
  line?: number;
}

interface ICase {
  id: string;
  expect: IExpectation[];
  expect_not: string[];
}

function loadCases(): { id: string; dir: string; spec: ICase }[] {
  if (!fs.existsSync(CASES_DIR)) {
    return [];
  }
  return fs
    .readdirSync(CASES_DIR)
    .filter(id => fs.existsSync(path.join(CASES_DIR, id, 'facts.json')))
    .sort()
    .map(id => {
      const dir = path.join(CASES_DIR, id);
      const spec = JSON.parse(
        fs.readFileSync(path.join(dir, 'case.json'), 'utf8')
      ) as ICase;
      return { id, dir, spec };
    });
}

function loadInput(dir: string): IDiagnosisInput {
  const input: IDiagnosisInput = {
    facts: JSON.parse(
      fs.readFileSync(path.join(dir, 'facts.json'), 'utf8')
    ) as IFacts
  };
  const notebook = path.join(dir, 'notebook.ipynb');
  if (fs.existsSync(notebook)) {
    input.notebook = readNotebook(fs.readFileSync(notebook, 'utf8'));
  }
  return input;
}

function describeFindings(result: IDiagnosis): string {
  return result.findings
    .map(f => `${f.code}@${f.cellIndex ?? '-'}:${f.line ?? '-'}`)
    .join(', ');
}

const cases = loadCases();

describe('shared cases with facts', () => {
  it('finds the cases folder', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  describe.each(cases.map(c => [c.id, c] as const))('case %s', (_id, c) => {
    const result = diagnose(loadInput(c.dir));
    const expected = (c.spec.expect ?? []).filter(e => OWN_CODES.has(e.code));
    const forbidden = (c.spec.expect_not ?? []).filter(code =>
      OWN_CODES.has(code)
    );

    for (const e of expected) {
      it(`reports ${JSON.stringify(e)}`, () => {
        const match = result.findings.some(
          f =>
            f.code === e.code &&
            (e.cellIndex === undefined || f.cellIndex === e.cellIndex) &&
            (e.line === undefined || f.line === e.line)
        );
        if (!match) {
          throw new Error(
            `expected ${JSON.stringify(e)}; found ${describeFindings(result)}`
          );
        }
      });
    }

    if (forbidden.length) {
      it(`does not report ${forbidden.join(', ')}`, () => {
        const wrong = result.findings.filter(f => forbidden.includes(f.code));
        expect(wrong.map(f => `${f.code}: ${f.evidence}`)).toEqual([]);
      });
    }

    it('runs the environment, live and service rules without failing', () => {
      const own = /^The (environment|live|service) checks failed/;
      expect(result.notes.filter(n => own.test(n))).toEqual([]);
    });
  });
});

describe('malformed facts', () => {
  const JUNK: unknown[] = [null, 'x', 5, {}, [], [null], [5], ['x'], true];
  const FIELDS = [
    'python',
    'packages',
    'requirements',
    'env',
    'modelsInUse',
    'threads',
    'sdk',
    'clients',
    'stalls',
    'waits',
    'checks',
    'cellRuns'
  ];
  const MODULES = [environmentRules, liveRules, serviceRules];

  /** Facts where every nested field holds `value`. */
  function nested(value: unknown): IFacts {
    return {
      schema: 'tinker-doctor/facts@1',
      packages: { tinker: '0.38.0' },
      sdk: { pendingTasks: value, loopLagMs: value } as IFacts['sdk'],
      threads: [
        { name: 'm', role: 'main', state: 'waiting', stack: value },
        { name: 's', role: 'sdk', state: 'running', stack: [value] }
      ],
      stalls: [
        { durationMs: 500, stack: value, cellId: value },
        { durationMs: 30000, stack: [value] }
      ],
      waits: [{ mainIdle: true, sdkLoopHealthy: true, cellIndex: value }],
      checks: {
        smoke: { error: value, creation: value, baseUrl: value }
      },
      cellRuns: [{ durationMs: 100, cellIndex: value }],
      env: { TINKER_BASE_URL: value },
      requirements: { 'tinker-cookbook': [value], tinker: value },
      modelsInUse: [value],
      clients: [value]
    } as unknown as IFacts;
  }

  it('never makes a rule module throw', () => {
    const failures: string[] = [];
    const attempt = (label: string, facts: IFacts) => {
      for (const module of MODULES) {
        try {
          module.run({ facts });
        } catch (error) {
          failures.push(`${module.name} ${label}: ${String(error)}`);
        }
      }
    };
    for (const value of JUNK) {
      for (const field of FIELDS) {
        attempt(`${field}=${JSON.stringify(value)}`, {
          schema: 'tinker-doctor/facts@1',
          packages: { tinker: '0.38.0' },
          sdk: { threadAlive: true },
          clients: [{}],
          [field]: value
        } as IFacts);
      }
      attempt(`nested ${JSON.stringify(value)}`, nested(value));
    }
    expect(failures).toEqual([]);
  });
});
