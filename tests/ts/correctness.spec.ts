import * as fs from 'fs';
import * as path from 'path';
import { correctnessRules } from '../../src/engine/correctness';
import {
  classifyDivergence,
  firstDifference
} from '../../src/engine/correctness/comparison';
import { reviewCell } from '../../src/engine/correctness/mergeReview';
import { readNotebook } from '../../src/engine/notebook';
import { ICell } from '../../src/engine/types';
import { CASES_DIR } from './casesDir';

const CASES = CASES_DIR;

function cell(source: string, outputs: string[] = []): ICell {
  return {
    index: 0,
    id: 'c0',
    cellType: 'code',
    source,
    outputs: outputs.map(text => ({
      outputType: 'stream',
      name: 'stdout',
      text
    })),
    executionCount: 1
  };
}

const codes = (source: string) => reviewCell(cell(source)).map(f => f.code);

describe('merge code review', () => {
  it('flags a hand-written merge loop at the loop header', () => {
    const found = reviewCell(
      cell(
        'sd = model.state_dict()\n' +
          'for name in adapter_keys:\n' +
          '    a = adapter[name]\n' +
          '    b = adapter[name.replace("lora_A", "lora_B")]\n' +
          '    sd[to_hf(name)] += (b.float() @ a.float()) * scale\n'
      )
    );
    expect(found.map(f => [f.code, f.line])).toEqual([['TD201', 2]]);
  });

  it('flags torch.matmul of lora factors outside a loop', () => {
    expect(codes('W += torch.matmul(lora_B, lora_A) * 2.0')).toEqual(['TD201']);
  });

  it('flags the product computed in bfloat16 but not a float32 product cast after', () => {
    expect(
      codes(
        'for k, (A, B) in lora_pairs.items():\n    W[k] += B.bfloat16() @ A.bfloat16()'
      )
    ).toEqual(['TD201', 'TD202']);
    expect(
      codes(
        'for k, (A, B) in lora_pairs.items():\n' +
          '    W[k] = (W[k].float() + B.float() @ A.float()).to(torch.bfloat16)'
      )
    ).toEqual(['TD201']);
  });

  it('accepts the cookbook export functions', () => {
    expect(
      codes(
        'from tinker_cookbook import weights\n' +
          'weights.build_hf_model(base_model=b, adapter_path=a, output_path=o)'
      )
    ).toEqual([]);
  });

  it('ignores matrix products unrelated to adapters and names in strings', () => {
    expect(codes('y = x @ w\nprint("lora_A @ lora_B")')).toEqual([]);
  });

  it('flags w1/w3 mapped to the wrong projection, not the right one', () => {
    expect(codes('names = {"w1": "up_proj", "w2": "down_proj"}')).toEqual([
      'TD203'
    ]);
    expect(codes('k = k.replace(".w3.", ".gate_proj.")')).toEqual(['TD203']);
    expect(
      codes('names = {"w1": "gate_proj", "w2": "down_proj", "w3": "up_proj"}')
    ).toEqual([]);
  });

  it('flags the deprecated merge script', () => {
    const found = reviewCell(
      cell(
        '!python -m tinker_cookbook.scripts.merge_tinker_adapter_to_hf_model --x'
      )
    );
    expect(found.map(f => [f.code, f.line])).toEqual([['TD201', 1]]);
  });
});

describe('output comparison', () => {
  it('finds the first differing position', () => {
    expect(firstDifference([1, 2, 3], [1, 2, 3])).toBe(-1);
    expect(firstDifference([1, 2, 3], [1, 9, 3])).toBe(1);
    expect(firstDifference([1, 2], [1, 2, 3])).toBe(2);
  });

  it('classifies identical, late drift and early divergence', () => {
    expect(classifyDivergence(-1, null)).toBe('identical');
    expect(classifyDivergence(40, 0.01)).toBe('late-small-drift');
    expect(classifyDivergence(2, null)).toBe('early');
    expect(classifyDivergence(40, 0.8)).toBe('early');
  });

  it('reads printed prompt token lists (TD204) and summaries (TD205)', () => {
    const prompt = cell(
      'a = renderer.build_generation_prompt(m).to_ints()\n' +
        'b = vllm_tok.apply_chat_template(m)\nprint(a); print(b)',
      ['[1, 2, 3, 4]\n[1, 2, 9, 4]\n']
    );
    const found = correctnessRules.run({ notebook: { cells: [prompt] } });
    expect(found.findings.map(f => f.code)).toEqual(['TD204']);
    expect(found.findings[0].evidence).toMatch(/position 2/);
    const same = cell(prompt.source, ['[1, 2, 3, 4]\n[1, 2, 3, 4]\n']);
    expect(
      correctnessRules.run({ notebook: { cells: [same] } }).findings
    ).toEqual([]);
  });
});

describe('shared cases', () => {
  const ours = new Set(correctnessRules.codes);
  const dirs = fs.readdirSync(CASES);
  for (const dir of dirs) {
    const file = path.join(CASES, dir, 'case.json');
    if (!fs.existsSync(file)) {
      continue;
    }
    const spec = JSON.parse(fs.readFileSync(file, 'utf8'));
    const expected = spec.expect.filter((e: any) => ours.has(e.code));
    const forbidden = spec.expect_not.filter((c: string) => ours.has(c));
    if (!spec.inputs.notebook || expected.length + forbidden.length === 0) {
      continue;
    }
    it(`${dir}: ${spec.title}`, () => {
      const notebook = readNotebook(
        fs.readFileSync(path.join(CASES, dir, spec.inputs.notebook), 'utf8')
      );
      const found = correctnessRules.run({ notebook }).findings;
      for (const e of expected) {
        const match = found.find(
          f =>
            f.code === e.code &&
            (e.cellIndex === undefined || f.cellIndex === e.cellIndex) &&
            (e.line === undefined || f.line === e.line)
        );
        expect([e, match ? 'found' : found]).toEqual([e, 'found']);
      }
      for (const code of forbidden) {
        expect(found.filter(f => f.code === code)).toEqual([]);
      }
    });
  }
});
