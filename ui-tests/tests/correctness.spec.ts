/**
 * The output comparison chart, end to end: a comparison result (shaped as
 * the kernel's compare check returns it) shown through the command
 * `tinker-doctor:compare-outputs`; the chart, its summary and data table,
 * token text kept as text, and the redraw on a theme change. Then both
 * checks started from the panel's output-correctness section on a notebook:
 * inputs asked in a dialog, the check run in the kernel, the finding shown
 * in its step and linked to the active cell.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';
import { diagnose, panelStep, ROOT, triagePanel } from './utils';

const COMMAND = 'tinker-doctor:compare-outputs';
const N = 40;
const FIRST_DIFF = 24;

/** A late-small-drift comparison: gaps grow to 0.03, tokens differ at 24. */
function lateDrift(): Record<string, unknown> {
  const tinker = Array.from({ length: N }, (_, i) => -0.1 - (i % 5) * 0.2);
  const diffs = tinker.map((_, i) => Number((i * 0.00125).toFixed(5)));
  return {
    ok: true,
    error: null,
    cellId: null,
    prompt: { tinkerLength: 12, externalLength: 12, firstDiff: -1 },
    sampled: {
      firstDiff: FIRST_DIFF,
      compared: N,
      tinkerLength: N,
      externalLength: N,
      maxGapBefore: 0.02875,
      maxGap: 0.04875,
      logprobDiffs: diffs,
      tinkerLogprobs: tinker,
      externalLogprobs: tinker.map((lp, i) => lp + diffs[i]),
      tokens: tinker.map((_, i) => (i === 3 ? '<b>bold</b>' : `t${i}`))
    },
    suggestion: 'Merge in float32, then cast.',
    notes: []
  };
}

test.describe('output comparison chart', () => {
  test('shows per-token logprob gaps from a comparison result', async ({
    page
  }) => {
    await page.evaluate(
      ([cmd, result]) =>
        (window as any).jupyterapp.commands.execute(cmd, { result }),
      [COMMAND, lateDrift()] as const
    );
    const view = page.locator('.jp-TinkerDoctor-correctness');
    await expect(view).toBeVisible();
    await expect(view.locator('.jp-TinkerDoctor-chartTitle')).toHaveText(
      'Tinker vs external engine: late small drift: precision (bfloat16 ' +
        'rounding in the merge or the engine); merge in float32'
    );
    await expect(view.locator('.jp-TinkerDoctor-chartNotes')).toContainText(
      `Sampled tokens first differ at position ${FIRST_DIFF} of ${N}.`
    );
    const chart = view.locator('[data-chart="logprob-diff"]');
    await expect(chart.locator('canvas')).toHaveCount(1);
    const size = await chart
      .locator('canvas')
      .evaluate(c => [(c as HTMLCanvasElement).width, c.clientHeight]);
    expect(size[0]).toBeGreaterThan(300);
    expect(size[1]).toBeGreaterThan(100);
    await expect(chart.locator('.u-legend')).toContainText('engine − Tinker');

    // The chart draws something where the first-difference marker goes.
    const marked = await chart.locator('canvas').evaluate((c, at) => {
      const canvas = c as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) {
        painted += data[i] > 0 ? 1 : 0;
      }
      return painted;
    }, FIRST_DIFF);
    expect(marked).toBeGreaterThan(1000);

    // The data table: one row per token, the first difference marked, and
    // token text shown as text, never as HTML.
    await view.locator('.jp-TinkerDoctor-chartData summary').click();
    const rows = view.locator('.jp-TinkerDoctor-chartTable tr');
    await expect(rows).toHaveCount(N + 1);
    await expect(rows.nth(FIRST_DIFF + 1)).toHaveAttribute(
      'data-first-diff',
      'true'
    );
    await expect(rows.nth(4).locator('td').nth(1)).toHaveText('<b>bold</b>');
    await expect(view.locator('.jp-TinkerDoctor-chartTable b')).toHaveCount(0);
    await expect(rows.nth(2).locator('td').nth(4)).toHaveText('0.0013');

    // Dark theme: the chart is drawn again with the theme's colours.
    const before = await chart
      .locator('canvas')
      .evaluate(c => ((window as any).__tdCompareCanvas = c) && true);
    expect(before).toBe(true);
    await page.theme.setDarkTheme();
    await expect(chart.locator('canvas')).toHaveCount(1);
    const redrawn = await chart
      .locator('canvas')
      .evaluate(c => c !== (window as any).__tdCompareCanvas);
    expect(redrawn).toBe(true);
    await page.theme.setLightTheme();
  });

  test('explains a comparison that could not run', async ({ page }) => {
    await page.evaluate(
      ([cmd, result]) =>
        (window as any).jupyterapp.commands.execute(cmd, { result }),
      [
        COMMAND,
        { ok: false, error: "no variable 'response' in the kernel" }
      ] as const
    );
    const view = page.locator('.jp-TinkerDoctor-correctness');
    await expect(view.locator('.jp-TinkerDoctor-chartTitle')).toHaveText(
      'Output comparison could not run'
    );
    await expect(view.locator('.jp-TinkerDoctor-chartNotes')).toHaveText(
      "no variable 'response' in the kernel"
    );
    await expect(view.locator('[data-chart="logprob-diff"]')).toBeHidden();
  });
});

/** A cell that holds Tinker's sample and writes an engine answer whose
 * third token differs (early divergence). */
const COMPARE_CELL = [
  'import json',
  'response = {"tokens": list(range(100, 130)), "logprobs": [-0.1] * 30}',
  'engine = list(response["tokens"]); engine[2] = 7',
  'answer = {"choices": [{"index": 0, "token_ids": engine, "logprobs": {',
  '    "tokens": [str(t) for t in engine], "token_logprobs": [-0.1] * 30}}]}',
  'json.dump(answer, open("engine.json", "w"))'
].join('\n');

/** A cell that writes a tiny base model, adapter and a merge with gate and
 * up swapped, with the helpers of the Python tests. */
const MERGE_CELL = [
  'import sys, numpy as np',
  `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'tests', 'python'))})`,
  `sys.path.insert(0, ${JSON.stringify(path.join(ROOT, 'agent'))})`,
  'import test_merge_verify as t',
  'from pathlib import Path',
  'rng = np.random.default_rng(1)',
  'base, adapter = t.dense_model(rng), t.dense_adapter(rng)',
  'merged = t.merge(base, adapter, mistake="gate-up-swapped")',
  'paths = t._case(Path("merge-case"), base, adapter, merged, t.DENSE)'
].join('\n');

/** Run the panel action `id`, filling its dialog with `values`. */
async function runAction(
  page: IJupyterLabPageFixture,
  id: string,
  values: Record<string, string>
): Promise<void> {
  await triagePanel(page).locator(`[data-action="${id}"]`).click();
  const dialog = page.locator('.jp-Dialog');
  await expect(dialog).toBeVisible();
  for (const [name, value] of Object.entries(values)) {
    await dialog.locator(`input[name="${name}"]`).fill(value);
  }
  await dialog.getByRole('button', { name: 'Run' }).click();
}

test.describe('output correctness checks from the panel', () => {
  test('compare outputs: TD205 on the cell and the chart', async ({ page }) => {
    await page.notebook.createNew('compare.ipynb');
    await page.notebook.setCell(0, 'code', COMPARE_CELL);
    await page.notebook.runCell(0);
    await diagnose(page);
    await page.notebook.selectCells(0);
    await runAction(page, 'compare', {
      tinker: 'response',
      externalPath: 'engine.json'
    });
    const step = panelStep(page, 'output-correctness', 'compare');
    const td205 = step.locator('[data-code="TD205"]');
    await expect(td205).toBeVisible({ timeout: 60000 });
    await expect(step).toHaveAttribute('data-status', 'failed');
    await expect(td205.locator('.jp-TinkerDoctor-findingTitle')).toHaveText(
      'Tinker vs external engine: early divergence'
    );
    await expect(td205.locator('.jp-TinkerDoctor-evidence')).toContainText(
      'first differ at position 2 of 30'
    );
    const chart = page.locator('.jp-TinkerDoctor-correctness');
    await expect(chart.locator('.jp-TinkerDoctor-chartTitle')).toContainText(
      'early divergence'
    );
    await expect(
      chart.locator('[data-chart="logprob-diff"] canvas')
    ).toHaveCount(1);
    // The finding points at the cell the check was started from.
    await expect(td205.locator('.jp-TinkerDoctor-cellLink')).toHaveText(
      'Cell 1'
    );
  });

  test('verify merge: the swapped gate and up projections are named', async ({
    page
  }) => {
    await page.notebook.createNew('merge.ipynb');
    await page.notebook.setCell(0, 'code', MERGE_CELL);
    await page.notebook.runCell(0);
    await diagnose(page);
    await page.notebook.selectCells(0);
    await runAction(page, 'merge-verify', {
      base: 'merge-case/base',
      adapter: 'merge-case/adapter',
      merged: 'merge-case/merged'
    });
    const step = panelStep(page, 'output-correctness', 'merge-verify');
    const td203 = step.locator('[data-code="TD203"]');
    await expect(td203).toBeVisible({ timeout: 60000 });
    await expect(step).toHaveAttribute('data-status', 'failed');
    await expect(td203.locator('.jp-TinkerDoctor-findingTitle')).toHaveText(
      'Merge verification: gate and up projections swapped'
    );
    await expect(td203.locator('.jp-TinkerDoctor-evidence')).toContainText(
      'model.layers.0.mlp.gate_proj.weight (gate-up-swapped'
    );
    await expect(td203.locator('.jp-TinkerDoctor-cellLink')).toHaveText(
      'Cell 1'
    );
  });
});
