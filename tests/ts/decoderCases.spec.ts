/**
 * The shared cases (/work/shared/cases) through the decoder: every case
 * with a notebook is decoded, and its expectations about the decoder's codes
 * are checked (cell and line where the case gives them).
 */
import * as fs from 'fs';
import * as path from 'path';
import { decoderRules } from '../../src/engine/decoder';
import { readNotebook } from '../../src/engine/notebook';
import { IFinding } from '../../src/engine/types';
import { CASES_DIR } from './casesDir';

const CASES = CASES_DIR;

/**
 * Expectations another module meets from facts, not from messages: the
 * decoder must not be held to them.
 */
const NOT_FROM_MESSAGES: Record<string, string> = {
  // Creation waiting long is seen in the agent's facts (live rules).
  'B10/TD306': 'facts',
  // Starvation long enough to miss heartbeats, from stalls in the facts.
  'X31/TD121': 'facts'
};

interface IExpectation {
  code: string;
  cellIndex?: number;
  line?: number;
}

interface ICase {
  id: string;
  expect: IExpectation[];
  expect_not?: string[];
  inputs: Record<string, string>;
}

function loadCases(): Array<{ spec: ICase; findings: IFinding[] }> {
  if (!fs.existsSync(CASES)) {
    return [];
  }
  return fs
    .readdirSync(CASES)
    .filter(id => fs.existsSync(path.join(CASES, id, 'case.json')))
    .sort()
    .map(id => {
      const spec: ICase = JSON.parse(
        fs.readFileSync(path.join(CASES, id, 'case.json'), 'utf8')
      );
      const file = spec.inputs.notebook;
      if (!file) {
        return { spec, findings: [] };
      }
      const notebook = readNotebook(
        fs.readFileSync(path.join(CASES, id, file), 'utf8')
      );
      return { spec, findings: decoderRules.run({ notebook }).findings };
    });
}

const cases = loadCases();
const codes = new Set(decoderRules.codes);

function matches(f: IFinding, e: IExpectation): boolean {
  return (
    f.code === e.code &&
    (e.cellIndex === undefined || f.cellIndex === e.cellIndex) &&
    (e.line === undefined || f.line === e.line)
  );
}

describe('decoder over the shared cases', () => {
  it('finds the shared cases', () => {
    expect(cases.length).toBeGreaterThan(20);
  });

  const withDecoderCodes = cases.filter(
    c =>
      c.spec.expect.some(e => codes.has(e.code)) ||
      (c.spec.expect_not ?? []).some(code => codes.has(code))
  );

  it.each(withDecoderCodes.map(c => [c.spec.id, c]))(
    '%s: reports the expected decoder codes and not the forbidden ones',
    (_id, c) => {
      const { spec, findings } = c as { spec: ICase; findings: IFinding[] };
      for (const e of spec.expect) {
        if (!codes.has(e.code) || NOT_FROM_MESSAGES[`${spec.id}/${e.code}`]) {
          continue;
        }
        const found = findings.some(f => matches(f, e));
        if (!found) {
          throw new Error(
            `${spec.id}: expected ${JSON.stringify(e)}, got ` +
              JSON.stringify(findings.map(f => [f.code, f.cellIndex, f.line]))
          );
        }
      }
      for (const code of spec.expect_not ?? []) {
        expect(findings.map(f => f.code)).not.toContain(code);
      }
    }
  );

  it('points chained SDK tracebacks at the cell line, not SDK frames', () => {
    const b20 = cases.find(c => c.spec.id === 'B20');
    expect(b20?.findings.map(f => [f.code, f.cellIndex, f.line])).toEqual([
      ['TD520', 3, 2]
    ]);
  });
});
