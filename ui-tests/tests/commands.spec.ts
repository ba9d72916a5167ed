/**
 * The Diagnose command outside the toolbar (its default shortcut), and
 * re-analysis of a 1,000-cell notebook while the user types: it runs after
 * a pause, off the keystroke path.
 */
import { expect, test } from '@jupyterlab/galata';
import {
  cellSource,
  codeCell,
  notebook,
  openNotebookText,
  triagePanel
} from './utils';

test.describe('Diagnose command', () => {
  test('runs with its default shortcut, Accel Alt D', async ({ page }) => {
    await page.notebook.createNew('shortcut.ipynb', { kernel: 'python3' });
    await page.notebook.selectCells(0);
    await page.keyboard.press('Control+Alt+d');
    await expect(
      triagePanel(page).locator('.jp-TinkerDoctor-diagnosedAt')
    ).toBeVisible({ timeout: 60000 });
  });
});

test.describe('Analysis while typing', () => {
  test('a 1,000-cell notebook: keystrokes stay short, analysis runs after', async ({
    page,
    tmpPath
  }) => {
    const cells = Array.from({ length: 1000 }, (_, i) =>
      codeCell(
        `cell-${i}`,
        i % 10 === 0
          ? 'for step, batch in enumerate(train_batches):\n' +
              '    fwd = training_client.forward_backward(batch, "ce").result()\n' +
              '    training_client.optim_step(adam).result()'
          : `value_${i} = compute(${i})\nprint(value_${i})`
      )
    );
    cells.unshift(
      codeCell(
        'setup',
        'import tinker\nservice_client = tinker.ServiceClient()\n' +
          'training_client = service_client.create_lora_training_client(' +
          'base_model="Qwen/Qwen3-8B")'
      )
    );
    const name = 'thousand.ipynb';
    await openNotebookText(page, tmpPath, name, notebook(cells));
    await page.notebook.clickToolbarItem('diagnose-tinker');
    const view = triagePanel(page).locator('.jp-TinkerDoctor-view');
    await expect(view.locator('.jp-TinkerDoctor-diagnosedAt')).toBeVisible({
      timeout: 60000
    });
    await page.waitForTimeout(2000);
    const count = async () =>
      Number(await view.getAttribute('data-analysis-count'));
    const before = await count();

    const typed = 'x = 1  # typing';
    await page.notebook.setCell(2, 'code', typed);
    expect(await cellSource(page, 2)).toBe(typed);
    // Analysis runs after a pause in typing, not for every keystroke: the
    // 15 keystrokes lead to at most a couple of runs.
    await expect.poll(count, { timeout: 10000 }).toBeGreaterThan(before);
    await page.waitForTimeout(1500);
    expect(await count()).toBeLessThanOrEqual(before + 3);
    test.info().annotations.push({
      type: 'measure',
      description:
        `1001-cell notebook: one engine run after typing, ` +
        `${await view.getAttribute('data-analysis-ms')} ms`
    });
    const markers = page.locator(
      '.jp-TinkerDoctor-marker-item[data-code="TD110"]'
    );
    await expect(markers.first()).toBeVisible();
  });
});
