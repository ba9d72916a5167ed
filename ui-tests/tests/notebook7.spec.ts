/**
 * The extension in Notebook 7: the same server serves Notebook's page for a
 * notebook (`/notebooks/...`); the toolbar has "Diagnose Tinker", and a
 * click opens the panel with the kernel's facts.
 */
import { expect, test } from '@jupyterlab/galata';

const NOTEBOOK = {
  cells: [
    {
      cell_type: 'code',
      id: 'imports',
      metadata: {},
      execution_count: null,
      outputs: [],
      source: 'import tinker'
    }
  ],
  metadata: {
    kernelspec: {
      name: 'python3',
      display_name: 'Python 3 (ipykernel)',
      language: 'python'
    }
  },
  nbformat: 4,
  nbformat_minor: 5
};

test.describe('Notebook 7', () => {
  test('the toolbar button diagnoses the notebook in Notebook 7', async ({
    page,
    tmpPath
  }) => {
    const name = 'notebook7.ipynb';
    await page.contents.uploadContent(
      JSON.stringify(NOTEBOOK),
      'text',
      `${tmpPath}/${name}`
    );
    // A plain page: galata's own page waits for JupyterLab's application.
    const notebook = await page.context().newPage();
    await notebook.goto(`notebooks/${tmpPath}/${name}`);
    const button = notebook.locator(
      '.jp-NotebookPanel-toolbar [data-jp-item-name="diagnose-tinker"]'
    );
    await expect(button).toBeVisible({ timeout: 60000 });
    // Notebook 7's own shell, not JupyterLab's.
    await expect(notebook.locator('#jp-main-dock-panel')).toHaveCount(0);
    await button.locator('button').click();
    const panel = notebook.locator('#tinker-doctor-panel');
    await expect(panel).toBeVisible();
    const kernel = panel.locator('.jp-TinkerDoctor-kernel');
    await expect(kernel).toHaveAttribute('data-phase', 'ready', {
      timeout: 60000
    });
    await expect(panel.locator('[data-package="tinker"]')).toHaveCount(1);
    await notebook.close();
  });
});
