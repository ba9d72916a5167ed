/**
 * Kernel states in the panel: a busy kernel (the probe is answered over the
 * agent's comm while the cell runs when the kernel has subshells, otherwise
 * it is queued behind the cell and the result shows when the cell ends),
 * the live view of what the kernel is doing, and a notebook with no kernel.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { diagnose, panelStep, triagePanel } from './utils';

test.describe('Kernel states', () => {
  test('a busy kernel gets its probe answered or queued, then the result', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.resolve(__dirname, '..', 'notebooks', 'tinker_demo.ipynb'),
      `${tmpPath}/tinker_demo.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/tinker_demo.ipynb`);
    await page.notebook.activate('tinker_demo.ipynb');
    await page.notebook.runCell(1);
    await diagnose(page);
    const panel = triagePanel(page);
    const kernel = panel.locator('.jp-TinkerDoctor-kernel');
    await expect(kernel).toHaveAttribute('data-phase', 'ready');
    const stamp = panel.locator('.jp-TinkerDoctor-diagnosedAt');
    const first = await stamp.textContent();
    const subshells = (await kernel.getAttribute('data-subshells')) === 'true';

    await page.notebook.setCell(2, 'code', 'import time\ntime.sleep(12)');
    await page.notebook.runCell(2, { wait: false } as any);
    await expect(kernel).toHaveAttribute('data-phase', 'busy');
    // The watchdog pushes status while the cell runs: the live view shows
    // the main thread inside the running cell, with the age of the report.
    const live = panel.locator('.jp-TinkerDoctor-live');
    await expect(live).toBeVisible({ timeout: 10000 });
    await expect(live).toContainText('What the kernel is doing now');
    await expect(live.locator('.jp-TinkerDoctor-frame').first()).toContainText(
      'line 2'
    );

    await page.waitForTimeout(1100);
    await panel.locator('.jp-TinkerDoctor-diagnose').click();
    // Either the agent answers while the cell runs (comm over a subshell),
    // or the panel says the probe is queued and shows the result after.
    const queued = panel.locator('.jp-TinkerDoctor-kernel', {
      hasText: 'queued behind the running cell'
    });
    await expect
      .poll(
        async () =>
          (await queued.count()) > 0 || (await stamp.textContent()) !== first,
        { timeout: 8000 }
      )
      .toBe(true);
    const wasQueued = (await queued.count()) > 0;
    test.info().annotations.push({
      type: 'probe-while-busy',
      description: `${subshells ? 'subshells' : 'no subshells'}, ${
        wasQueued ? 'queued behind the cell' : 'answered while the cell ran'
      }`
    });
    await expect(stamp).not.toHaveText(first!, { timeout: 30000 });
    if (wasQueued) {
      await expect(queued).toHaveCount(0);
    }
    await expect(panelStep(page, 'performance', 'environment')).toHaveAttribute(
      'data-status',
      'passed'
    );
  });

  test('a notebook without a kernel says so and is still read', async ({
    page
  }) => {
    await page.notebook.createNew('no_kernel.ipynb', { kernel: null });
    await page.notebook.setCell(
      0,
      'code',
      'import tinker\nservice_client = tinker.ServiceClient()'
    );
    await page.notebook.clickToolbarItem('diagnose-tinker');
    const panel = triagePanel(page);
    const kernel = panel.locator('.jp-TinkerDoctor-kernel');
    await expect(kernel).toHaveAttribute('data-phase', 'no-kernel');
    await expect(kernel).toContainText('no kernel');
    await expect(panel.locator('.jp-TinkerDoctor-diagnosedAt')).toBeVisible();
    await expect(panelStep(page, 'performance', 'environment')).toHaveAttribute(
      'data-status',
      'not-checked'
    );
  });

  test('after the kernel dies and restarts the probe is installed again', async ({
    page
  }) => {
    await page.notebook.createNew('restart.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', 'import tinker');
    await page.notebook.runCell(0);
    await diagnose(page);
    const panel = triagePanel(page);
    const kernel = panel.locator('.jp-TinkerDoctor-kernel');
    await expect(kernel).toHaveAttribute('data-phase', 'ready');
    await expect(kernel).toContainText('watchdog is on');

    // The kernel process dies and the server restarts it. (A restart
    // through the REST API is not used: galata's kernel fixture intercepts
    // /api/kernels and the client then never sees the restart complete.)
    await page.notebook.setCell(0, 'code', 'import os\nos._exit(1)');
    await page.notebook.runCell(0, { wait: false } as any);
    // Facts from the old process are dropped at once; the new process gets
    // the agent again without a click.
    await expect(panel.locator('[data-package="tinker"]')).toHaveCount(0);
    await expect(kernel).toContainText('watchdog is on', { timeout: 30000 });
    await expect(panel.locator('[data-package="tinker"]')).toHaveCount(1);
    await expect(panelStep(page, 'performance', 'environment')).toHaveAttribute(
      'data-status',
      'passed'
    );
  });
});
