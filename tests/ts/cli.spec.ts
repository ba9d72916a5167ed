/**
 * The command-line doctor, run as users run it: `node bin/tinker-doctor.js`.
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { parseArgs, UsageError } from '../../src/cli/args';
import { toJson, toText } from '../../src/cli/format';
import { validateFacts } from '../../src/cli/inputs';
import { makeFinding } from '../../src/engine/catalogue';
import { buildCli, disposeCli, ICliUnderTest } from './cliBuild';

let dir = '';
let cli: ICliUnderTest;

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [cli.bin, ...args], {
    encoding: 'utf8',
    env: cli.env
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function file(name: string, content: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

function notebook(...sources: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { language_info: { name: 'python' } },
    cells: sources.map((s, i) => ({
      cell_type: 'code',
      id: `c${i}`,
      source: s,
      metadata: {},
      outputs: [],
      execution_count: null
    }))
  });
}

const SETUP =
  'import tinker\nsvc = tinker.ServiceClient()\n' +
  'tc = svc.create_lora_training_client(base_model="m")';
const SERIAL =
  'for b in batches:\n' +
  '    out = tc.forward_backward(b, "cross_entropy").result()\n' +
  '    tc.optim_step(adam).result()';
const CALLBACK =
  'def cb(f):\n    tc.save_state("x").result()\n' +
  'tc.optim_step(adam).future().add_done_callback(cb)';
const FACTS = JSON.stringify({
  schema: 'tinker-doctor/facts@1',
  packages: { tinker: '0.38.0' }
});

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'td-cli-'));
  cli = buildCli();
});

afterAll(() => {
  disposeCli(cli);
  rmSync(dir, { recursive: true, force: true });
});

describe('tinker-doctor diagnose', () => {
  it('prints help and exits 0', () => {
    const r = run('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: tinker-doctor diagnose NOTEBOOK\.ipynb/);
  });

  it('exits 0 with no error findings, as text', () => {
    const nb = file('warn.ipynb', notebook(SETUP, SERIAL));
    const r = run('diagnose', nb);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[warning\] TD110 .*\(cell 1, line 2\)/);
    expect(r.stdout).toMatch(/Fix: /);
  });

  it('exits 1 when a finding is an error', () => {
    const nb = file('err.ipynb', notebook(SETUP, CALLBACK));
    const r = run('diagnose', nb, '--json');
    expect(r.status).toBe(1);
    const codes = JSON.parse(r.stdout).findings.map((f: any) => f.code);
    expect(codes).toContain('TD114');
  });

  it('prints exactly the documented JSON shape', () => {
    const nb = file('shape.ipynb', notebook(SETUP, SERIAL));
    const facts = file('facts.json', FACTS);
    const r = run('diagnose', nb, '--facts', facts, '--json');
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['findings']);
    expect(out.findings.length).toBeGreaterThan(0);
    for (const f of out.findings) {
      expect(Object.keys(f).sort()).toEqual(
        [
          'code',
          'severity',
          'path',
          'title',
          'cellIndex',
          'line',
          'evidence',
          'fix'
        ].sort()
      );
    }
    const td110 = out.findings.find((f: any) => f.code === 'TD110');
    expect(td110).toMatchObject({ cellIndex: 1, line: 2 });
  });

  it('exits 0 with an empty list for a healthy notebook', () => {
    const nb = file('ok.ipynb', notebook('x = 1\nprint(x)'));
    const r = run('diagnose', nb, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).findings).toEqual([]);
  });

  it.each([
    [
      'a missing notebook',
      () => ['diagnose', path.join(dir, 'nope.ipynb')],
      /no such file/
    ],
    [
      'a corrupt notebook',
      () => ['diagnose', file('bad.ipynb', '{"cells": [')],
      /not valid JSON/
    ],
    [
      'JSON that is no notebook',
      () => ['diagnose', file('list.ipynb', '[1, 2]')],
      /not a Jupyter notebook/
    ],
    ['a directory', () => ['diagnose', dir], /is a directory/],
    [
      'facts with the wrong schema tag',
      () => [
        'diagnose',
        file('n1.ipynb', notebook('x=1')),
        '--facts',
        file('f1.json', '{"schema": "other"}')
      ],
      /schema tag is "other"/
    ],
    [
      'facts that are not JSON',
      () => [
        'diagnose',
        file('n2.ipynb', notebook('x=1')),
        '--facts',
        file('f2.json', 'schema:')
      ],
      /facts .*not valid JSON/
    ],
    [
      'facts with a wrongly typed field',
      () => [
        'diagnose',
        file('n3.ipynb', notebook('x=1')),
        '--facts',
        file('f3.json', '{"schema": "tinker-doctor/facts@1", "clients": {}}')
      ],
      /"clients" must be a list/
    ],
    [
      'an empty metrics file',
      () => [
        'diagnose',
        file('n4.ipynb', notebook('x=1')),
        '--metrics',
        file('m.jsonl', '')
      ],
      /metrics/
    ],
    [
      'an unknown option',
      () => ['diagnose', 'x.ipynb', '--frobnicate'],
      /unknown option --frobnicate/
    ],
    ['no command', () => [], /no command given/]
  ])('exits 2 on %s with one line on stderr', (_what, args, message) => {
    const r = run(...(args as () => string[])());
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('skips a half-written last metrics line with a note', () => {
    const nb = file('n5.ipynb', notebook('x = 1'));
    const metrics = file(
      'half.jsonl',
      '{"step": 0, "time/total": 1.0}\n{"step": 1, "time/total": 1.1}\n{"step": 2, "ti'
    );
    const r = run('diagnose', nb, '--metrics', metrics, '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('findings');
    expect(r.stderr).toMatch(/note: .*metrics/i);
  });

  it('reads facts without a notebook', () => {
    const facts = file('alone.json', FACTS);
    const r = run('diagnose', '--facts', facts, '--json');
    expect([0, 1]).toContain(r.status);
    expect(JSON.parse(r.stdout)).toHaveProperty('findings');
  });
});

describe('command-line parsing and output', () => {
  it('accepts --opt=value and options in any order', () => {
    expect(
      parseArgs(['diagnose', '--json', '--facts=f.json', 'n.ipynb'])
    ).toEqual({
      command: 'diagnose',
      notebook: 'n.ipynb',
      facts: 'f.json',
      metrics: null,
      json: true
    });
  });

  it('rejects a second notebook and a missing option value', () => {
    expect(() => parseArgs(['diagnose', 'a.ipynb', 'b.ipynb'])).toThrow(
      UsageError
    );
    expect(() => parseArgs(['diagnose', 'a.ipynb', '--facts'])).toThrow(
      /needs a file name/
    );
  });

  it('validates the facts tag and container types', () => {
    expect(validateFacts({ schema: 'tinker-doctor/facts@1' })).toBeNull();
    expect(validateFacts([])).toMatch(/not a JSON object/);
    expect(validateFacts({})).toMatch(/schema tag is missing/);
    expect(
      validateFacts({ schema: 'tinker-doctor/facts@1', packages: [] })
    ).toMatch(/"packages" must be an object/);
  });

  it('removes terminal control sequences from text output', () => {
    const finding = makeFinding('TD505', {
      evidence: 'server said \u001b[31mred\u001b[0m\u0007 text',
      cellIndex: 0,
      line: 1
    });
    const text = toText(
      { findings: [finding], steps: [], notes: [] },
      'n.ipynb'
    );
    expect(text).toContain('server said red text');
    expect(text).not.toMatch(/\u001b|\u0007/);
  });
});

describe('step notes in the text output', () => {
  it('prints why the renderer tokens were not compared, once', () => {
    const nb = file('rn.ipynb', notebook('r = get_renderer("qwen3", tok)'));
    const facts = file(
      'rn.json',
      JSON.stringify({
        schema: 'tinker-doctor/facts@1',
        checks: {
          renderer: {
            model: 'Qwen/Qwen3-8B',
            renderer: 'qwen3',
            error: 'the tokenizer is not available offline'
          }
        }
      })
    );
    const r = run('diagnose', nb, '--facts', facts);
    expect(r.status).toBe(0);
    const said =
      'Note (Renderer tokens): Tokens not compared: the renderer check ' +
      'could not run: the tokenizer is not available offline';
    expect(r.stdout).toContain(`Renderer\n  ${said}\n`);
    expect(r.stdout.split('not available offline')).toHaveLength(2);
  });

  it('prints a step note under its path, cleaned like the rest', () => {
    const text = toText(
      {
        findings: [],
        steps: [
          {
            path: 'renderer',
            id: 'tokens',
            label: 'Renderer tokens',
            status: 'not-checked',
            findings: [],
            notes: ['KL is NaN \u001b[2J api_key=zzzsecret']
          }
        ],
        notes: []
      },
      'n.ipynb'
    );
    expect(text).toContain(
      'Renderer\n  Note (Renderer tokens): KL is NaN  api_key=<redacted>\n'
    );
  });
});

describe('terminal safety and secrets in CLI output', () => {
  it('removes OSC hyperlinks, C1 sequences and bidi controls from text', () => {
    const finding = makeFinding('TD505', {
      evidence:
        'a \u202eevil\u202c \u009b31m red \u001b]8;;http://evil/\u001b\\link' +
        '\u001b]8;;\u0007 \u2066x\u2069 \u001b]0;title\u0007done\tok',
      cellIndex: 0,
      line: 1
    });
    const text = toText(
      { findings: [finding], steps: [], notes: ['n\u001b[2Jote'] },
      'n\u202e.ipynb'
    );
    expect(text).toContain('a evil  red link x done\tok');
    expect(text).toContain('note');
    expect(text).not.toMatch(
      /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/
    );
    expect(text).not.toContain('8;;');
  });

  it('quotes a bad notebook without its escape sequences on stderr', () => {
    const bad = file('esc.ipynb', '\u001b]0;PWNED\u0007\u001b[2J{bad');
    const r = run('diagnose', bad);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not valid JSON');
    expect(r.stderr).not.toMatch(/[\u001b\u0007]|PWNED/);
  });

  it('hides secrets in text and JSON findings', () => {
    const finding = makeFinding('TD301', {
      evidence: "url=https://bob:hunter2pass@proxy.corp {'cookie': 'sid=c00k'}",
      cellIndex: 0,
      line: 1
    });
    const diagnosis = { findings: [finding], steps: [], notes: [] };
    for (const out of [toText(diagnosis, 'n.ipynb'), toJson(diagnosis)]) {
      expect(out).toContain('https://<redacted>@proxy.corp');
      expect(out).not.toMatch(/hunter2pass|c00k/);
    }
  });
});
