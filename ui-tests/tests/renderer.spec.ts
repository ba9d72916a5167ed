/**
 * "Check renderer" end to end: a cell builds a cookbook renderer for the
 * wrong variant of the model's chat template; the panel's check runs in the
 * kernel and the renderer path shows the first divergence decoded, as text.
 *
 * Needs the `tinker-cookbook` kernelspec that scripts/venvs/cookbook.sh puts
 * in .venvs/cookbook/share/jupyter, visible to the test server through
 * JUPYTER_PATH; without it the test is skipped and says why.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import { diagnose, panelStep, ROOT, triagePanel } from './utils';

const FAMILIES = path.join(ROOT, 'tests', 'python', 'cookbook');

/** A local Qwen3 tokenizer (real chat template) and the wrong variant. */
const CELL = [
  'import sys',
  `sys.path.insert(0, ${JSON.stringify(FAMILIES)})`,
  'from families import qwen3_tokenizer',
  'from tinker_cookbook import renderers',
  'tok = qwen3_tokenizer()',
  'renderer = renderers.get_renderer("qwen3_instruct", tok,',
  '                                  model_name="Qwen/Qwen3-8B")'
].join('\n');

test.describe('Renderer check', () => {
  test('shows the first divergence decoded for a wrong renderer', async ({
    page
  }) => {
    const specs = await (await page.request.get('/api/kernelspecs')).json();
    test.skip(
      !specs?.kernelspecs?.['tinker-cookbook'],
      'kernelspec tinker-cookbook not visible to the test server: run ' +
        'scripts/venvs/cookbook.sh and add .venvs/cookbook/share/jupyter ' +
        'to JUPYTER_PATH (ui-tests/jupyter_server_test_config.py)'
    );
    await page.notebook.createNew('renderer_check.ipynb', {
      kernel: 'tinker-cookbook'
    });
    await page.notebook.setCell(0, 'code', CELL);
    await page.notebook.runCell(0);
    await diagnose(page);

    const panel = triagePanel(page);
    await panel.locator('[data-action="renderer"]').click();
    const tokens = panelStep(page, 'renderer', 'tokens');
    const td403 = tokens.locator('[data-code="TD403"]');
    await expect(td403).toBeVisible({ timeout: 90000 });
    await expect(tokens).toHaveAttribute('data-status', 'failed');
    const evidence = td403.locator('.jp-TinkerDoctor-evidence');
    // The template opens a think block where the renderer writes the answer.
    await expect(evidence).toContainText('template: "<think>');
    await expect(evidence).toContainText('renderer: "');
    await expect(evidence).toContainText('think block');
    // Decoded tokens are shown as text, never parsed as markup.
    await expect(panel.locator('think')).toHaveCount(0);
  });
});
