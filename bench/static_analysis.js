#!/usr/bin/env node
/**
 * Benchmark of the loop-shape static analysis on a generated 1,000-cell
 * notebook: a full analysis with a cold cache, a re-analysis after editing
 * one cell, a re-analysis with nothing changed, and the longest stretch the
 * asynchronous variant keeps the event loop busy.
 *
 * Run after `jlpm build:cli`:  node bench/static_analysis.js [CELLS] [RUNS]
 */
'use strict';

const path = require('path');
const { performance } = require('perf_hooks');

const built = path.join(__dirname, '..', 'build', 'cli', 'engine', 'analysis');
let LoopShapeAnalyzer;
try {
  ({ LoopShapeAnalyzer } = require(built));
} catch (error) {
  process.stderr.write(
    `static_analysis: cannot load ${built} (run jlpm build:cli first): ` +
      `${error.message.split('\n')[0]}\n`
  );
  process.exit(2);
}

const CELLS = Number(process.argv[2] || 1000);
const RUNS = Number(process.argv[3] || 5);

/** Cell sources of a realistic mix: setup, helpers, loops, prose. */
function makeCell(i) {
  switch (i % 8) {
    case 0:
      return [
        'import tinker',
        'from tinker import types',
        `service_client_${i} = tinker.ServiceClient()`,
        `tc_${i} = service_client_${i}.create_lora_training_client(`,
        '    base_model="Qwen/Qwen3-8B", rank=32)'
      ].join('\n');
    case 1:
      return [
        `def train_step_${i}(tc, batch, lr):`,
        '    fb = tc.forward_backward(batch, "cross_entropy")',
        '    opt = tc.optim_step(types.AdamParams(learning_rate=lr))',
        '    out = fb.result()',
        '    opt.result()',
        '    return out.metrics["loss:sum"]'
      ].join('\n');
    case 2:
      return [
        `for step, batch in enumerate(batches_${i}):`,
        `    fwd = tc_${i - 2}.forward_backward(batch, "cross_entropy").result()`,
        `    tc_${i - 2}.optim_step(adam).result()`,
        '    if step % 10 == 0:',
        '        print(step, fwd.metrics)'
      ].join('\n');
    case 3:
      return [
        '%matplotlib inline',
        'import numpy as np',
        `losses_${i} = [train_step_${i - 2}(tc, b, 1e-4) for b in data]`,
        `plt.plot(np.array(losses_${i}))  # plot the curve`
      ].join('\n');
    case 4:
      return [
        `async def rollout_${i}(sampling_client, prompts):`,
        '    futures = [sampling_client.sample(p, 1, params) for p in prompts]',
        '    return [await f for f in futures]'
      ].join('\n');
    case 5:
      return [
        `for prompt in prompts_${i}:`,
        '    sc = tc.save_weights_and_get_sampling_client()',
        '    r = sc.sample(prompt, 4, params).result()',
        '    completions.append(r)'
      ].join('\n');
    case 6:
      return [
        `class Helper${i}:`,
        '    """A docstring that mentions tc.forward_backward(x).result()."""',
        '    def __init__(self, tc):',
        '        self.tc = tc',
        '    def step(self, batch):',
        '        return self.tc.forward_backward(batch, "ce")'
      ].join('\n');
    default:
      return `x_${i} = ${i}\nprint("cell ${i}")`;
  }
}

function notebook(n) {
  const cells = [];
  for (let i = 0; i < n; i++) {
    cells.push({
      index: i,
      id: `cell-${i}`,
      cellType: i % 10 === 9 ? 'markdown' : 'code',
      source: makeCell(i)
    });
  }
  return cells;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function min(values) {
  return Math.min(...values);
}

function time(fn) {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** One 10,000-line cell (2,000 small async functions with loops). */
function hugeCell() {
  let source = '';
  for (let i = 0; i < 2000; i++) {
    source +=
      `async def f${i}(tc, b):\n` +
      '    x = tc.forward_backward(b, "ce")\n' +
      '    y = x.result()\n' +
      '    for z in range(3):\n' +
      '        tc.optim_step(a).result()\n';
  }
  return [{ index: 0, id: 'huge', cellType: 'code', source }];
}

async function longestBlock(cells) {
  // Measure the longest gap between event-loop turns during analyseAsync.
  const analyzer = new LoopShapeAnalyzer();
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) {
      setImmediate(tick);
    }
  };
  setImmediate(tick);
  const start = performance.now();
  const findings = await analyzer.analyseAsync(cells, undefined, {
    sliceMs: 10
  });
  running = false;
  return { total: performance.now() - start, longest, findings };
}

async function mainBench() {
  const cells = notebook(CELLS);
  const full = [];
  const edited = [];
  const unchanged = [];
  let findings = 0;
  for (let run = 0; run < RUNS; run++) {
    const analyzer = new LoopShapeAnalyzer();
    const cold = time(() => analyzer.analyse(cells));
    full.push(cold.ms);
    findings = cold.result.length;
    unchanged.push(time(() => analyzer.analyse(cells)).ms);
    const at = 2 + 8 * Math.floor(CELLS / 16);
    const copy = cells.slice();
    copy[at] = {
      ...copy[at],
      source: copy[at].source + `\n# edit ${run}\nprint("edited")`
    };
    edited.push(time(() => analyzer.analyse(copy)).ms);
  }
  const asyncRun = await longestBlock(cells);
  const huge = await longestBlock(hugeCell());
  const fmt = ms => `${ms.toFixed(1)} ms`;
  const both = values =>
    `${fmt(median(values))} median, ${fmt(min(values))} best`;
  const load = require('os').loadavg()[0].toFixed(1);
  const lines = [
    `static analysis benchmark: ${CELLS} cells ` +
      `(${cells.filter(c => c.cellType === 'code').length} code), ` +
      `${findings} findings, ${RUNS} runs, node ${process.version}, ` +
      `load average ${load}`,
    `  full analysis (cold cache):        ${both(full)}`,
    `  re-analysis after one cell edited: ${both(edited)}`,
    `  re-analysis, nothing changed:      ${both(unchanged)}`,
    `  analyseAsync total (cold):         ${fmt(asyncRun.total)}`,
    `  analyseAsync longest event-loop block: ${fmt(asyncRun.longest)}`,
    `  one 10,000-line cell, analyseAsync: ${fmt(huge.total)} total, ` +
      `longest event-loop block ${fmt(huge.longest)}`
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

mainBench().catch(error => {
  process.stderr.write(`static_analysis: ${error.stack || error}\n`);
  process.exit(1);
});
