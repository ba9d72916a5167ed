/**
 * The decoder over tracebacks as a real ipykernel stored them (ANSI colours,
 * IPython's frame format, chained exceptions, functions from other cells):
 * ui-tests/notebooks/decoder-real-tracebacks.ipynb was made by running its
 * cells against the installed tinker SDK.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decoderRules } from '../../src/engine/decoder';
import { readNotebook } from '../../src/engine/notebook';

const FIXTURE = path.resolve(
  __dirname,
  '../../ui-tests/notebooks/decoder-real-tracebacks.ipynb'
);

describe('decoder over real kernel tracebacks', () => {
  const notebook = readNotebook(fs.readFileSync(FIXTURE, 'utf8'));
  const findings = decoderRules.run({ notebook }).findings;
  const at = (cellIndex: number) =>
    findings.filter(f => f.cellIndex === cellIndex).map(f => [f.code, f.line]);

  it('decodes a chained error at its root cause, inside the cell', () => {
    // The outer RuntimeError says nothing; the root RequestFailedError does.
    expect(at(2)).toEqual([['TD501', 5]]);
  });

  it('points at the calling line when the raise is in another cell', () => {
    expect(at(3)).toEqual([['TD505', 1]]);
  });

  it('reads AttributeError and ImportError on the installed SDK', () => {
    expect(at(4)).toEqual([['TD518', 1]]);
    expect(at(5)).toEqual([['TD518', 1]]);
    expect(findings.find(f => f.cellIndex === 5)?.evidence).toContain(
      'attr=ForwardBackwardInputs'
    );
  });

  it('skips library frames after the cell frame', () => {
    expect(at(6)).toEqual([['TD515', 4]]);
  });

  it('reports nothing else', () => {
    expect(findings).toHaveLength(5);
  });
});
