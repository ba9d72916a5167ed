/**
 * The output comparison chart, end to end: a comparison result (shaped as
 * the kernel's compare check returns it) shown through the command
 * `tinker-doctor:compare-outputs`; the chart, its summary and data table,
 * token text kept as text, and the redraw on a theme change.
 */
import { expect, test } from '@jupyterlab/galata';

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
