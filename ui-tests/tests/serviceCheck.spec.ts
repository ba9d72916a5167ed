/**
 * The service section's action: "Run smoke test" asks the kernel agent to
 * reach the Tinker service (here the project's local server), puts the
 * result into the facts and diagnoses again.
 */
import { expect, test } from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as path from 'path';
import { diagnose, panelStep, ROOT, triagePanel } from './utils';

const SERVER_PORT = process.env.TD_UI_TINKER_SMOKE_PORT || '8798';
const SERVER_SCRIPT = path.join(ROOT, 'scripts', 'local-server.sh');

/** A cell that points the SDK at this test's server, with a dummy key. */
const POINT_AT_SERVER =
  'import os\n' +
  `os.environ["TINKER_BASE_URL"] = "http://127.0.0.1:${SERVER_PORT}"\n` +
  'os.environ["TINKER_API_KEY"] = "tml-local-dummy-key"\n' +
  'import tinker';

test.describe('Service section', () => {
  test.beforeAll(() => {
    execFileSync(SERVER_SCRIPT, ['start', SERVER_PORT], { stdio: 'pipe' });
  });

  test.afterAll(() => {
    execFileSync(SERVER_SCRIPT, ['stop', SERVER_PORT], { stdio: 'pipe' });
  });

  test('Run smoke test reports the round trip to the service', async ({
    page
  }) => {
    await page.notebook.createNew('smoke.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', POINT_AT_SERVER);
    await page.notebook.runCell(0);
    await diagnose(page);
    const smoke = panelStep(page, 'service', 'smoke');
    await expect(smoke.locator('[data-code="TD300"]')).toHaveCount(0);

    const action = triagePanel(page).locator('[data-action="smoke"]');
    await expect(action).toHaveText('Run smoke test');
    await action.click();
    const result = smoke.locator('[data-code="TD300"]');
    await expect(result).toBeVisible({ timeout: 60000 });
    await expect(smoke).toHaveAttribute('data-status', 'passed');
    // The API key is never shown, only the local server's address.
    await expect(triagePanel(page)).not.toContainText('tml-local-dummy-key');
    await expect(action).toBeEnabled();
  });

  test('a server that drops connections is decoded as TD301', async ({
    page,
    request
  }) => {
    const admin = `http://127.0.0.1:${SERVER_PORT}/_admin/faults`;
    await page.notebook.createNew('smoke-down.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', POINT_AT_SERVER);
    await page.notebook.runCell(0);
    await diagnose(page);
    const response = await request.post(admin, {
      data: { name: 'connection-drop' }
    });
    expect(response.ok()).toBe(true);
    try {
      await triagePanel(page).locator('[data-action="smoke"]').click();
      const status = panelStep(page, 'service', 'status');
      await expect(status.locator('[data-code="TD301"]')).toBeVisible({
        timeout: 90000
      });
      await expect(status).toHaveAttribute('data-status', 'failed');
      // The smoke result itself is still shown, as unreachable.
      await expect(
        panelStep(page, 'service', 'smoke').locator('[data-code="TD300"]')
      ).toBeVisible();
    } finally {
      await request.delete(admin);
    }
  });
});
