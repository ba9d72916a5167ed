/**
 * The renderer rules over the shared cases, in process: the renderer cases'
 * expectations for the codes this module emits, and, over every case, no
 * renderer code that the case forbids.
 */
import { existsSync, readdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { readNotebook } from '../../src/engine/notebook';
import { rendererRules } from '../../src/engine/rules/renderer';
import { IDiagnosisInput, IFinding } from '../../src/engine/types';
import { CASES_DIR } from './casesDir';

const CASES = CASES_DIR;

interface ICaseFile {
  id: string;
  path?: string;
  inputs: Record<string, string>;
  expect: Array<{ code: string; cellIndex?: number; line?: number }>;
  expect_not: string[];
}

function load(id: string): { c: ICaseFile; input: IDiagnosisInput } {
  const dir = path.join(CASES, id);
  const c = JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8'));
  const input: IDiagnosisInput = {};
  if (c.inputs?.notebook) {
    input.notebook = readNotebook(
      readFileSync(path.join(dir, c.inputs.notebook), 'utf8')
    );
  }
  if (c.inputs?.facts) {
    input.facts = JSON.parse(
      readFileSync(path.join(dir, c.inputs.facts), 'utf8')
    );
  }
  if (c.inputs?.metrics) {
    const rows = readFileSync(path.join(dir, c.inputs.metrics), 'utf8')
      .split('\n')
      .filter(l => l.trim())
      .map(l => JSON.parse(l));
    input.metrics = { rows, notes: [] };
  }
  return { c: { expect: [], expect_not: [], ...c }, input };
}

const ids = existsSync(CASES)
  ? readdirSync(CASES)
      .filter(n => existsSync(path.join(CASES, n, 'case.json')))
      .sort()
  : [];
const own = new Set(rendererRules.codes);
// TD406 in X20 comes from the warning text in the cell's output, which the
// error decoder reads; this module's TD406 triggers are static only.
const DECODER_ONLY = new Set(['X20:TD406']);

function run(id: string): { c: ICaseFile; findings: IFinding[] } {
  const { c, input } = load(id);
  return { c, findings: rendererRules.run(input).findings };
}

describe('renderer rules over the renderer cases', () => {
  const renderer = ['B25', 'B26', 'B28', 'B29', 'S19', 'X16', 'X17', 'X19'];

  it('finds the shared cases', () => {
    expect(ids.length).toBeGreaterThan(0);
  });

  it.each(renderer)('%s: expected renderer findings present', id => {
    const { c, findings } = run(id);
    const missing = c.expect
      .filter(e => own.has(e.code) && !DECODER_ONLY.has(`${id}:${e.code}`))
      .filter(
        e =>
          !findings.some(
            f =>
              f.code === e.code &&
              (e.cellIndex === undefined || f.cellIndex === e.cellIndex) &&
              (e.line === undefined || f.line === e.line)
          )
      );
    expect(missing).toEqual([]);
  });

  it.each(ids)('%s: no forbidden renderer code', id => {
    const { c, findings } = run(id);
    const wrong = findings.filter(f => c.expect_not.includes(f.code));
    expect(wrong.map(f => `${f.code} cell ${f.cellIndex}`)).toEqual([]);
  });

  it('names the benign thinking-mode difference in S19 as info', () => {
    const f = run('S19').findings.find(x => x.code === 'TD403')!;
    expect(f.severity).toBe('info');
    expect(f.fix).toMatch(/enable_thinking=False|default/);
  });

  it('reports B25 and B26 as real mismatches with the position', () => {
    const b25 = run('B25').findings.find(x => x.code === 'TD403')!;
    expect(b25.severity).toBe('error');
    expect(b25.evidence).toMatch(/position 3/);
    expect(b25.evidence).toMatch(/empty think block/);
    const b26 = run('B26').findings.find(x => x.code === 'TD403')!;
    expect(b26.severity).toBe('error');
    expect(b26.evidence).toMatch(/Let me calculate/);
  });

  it('points out in B28 that the comparison options differ', () => {
    const f = run('B28').findings.find(x => x.code === 'TD403')!;
    expect(f.evidence).toMatch(/keep_history_thinking=True/);
  });

  it('names the renderers recommended for the model in X16', () => {
    const f = run('X16').findings.find(x => x.code === 'TD401')!;
    expect(f.evidence).toMatch(/role_colon/);
    expect(f.evidence).toMatch(/qwen3, qwen3_disable_thinking/);
    expect(f.evidence).toMatch(/installed cookbook/);
  });

  it('points TD404 in B29 at the renderer check', () => {
    const f = run('B29').findings.find(x => x.code === 'TD404')!;
    expect(f.evidence).toMatch(/0\.05/);
    expect(f.fix).toMatch(/Check renderer/);
  });
});
