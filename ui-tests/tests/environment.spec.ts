/**
 * The environment step, end to end: the toolbar button probes the real
 * kernel and the panel shows the versions installed in its environment.
 */
import { expect, test } from '@jupyterlab/galata';
import * as path from 'path';
import {
  BAD_PYTHON,
  CHECKED_PACKAGES,
  diagnose,
  installedVersions,
  panelStep,
  docsScreenshot,
  triagePanel,
  VENV_PYTHON
} from './utils';

test.describe('Diagnose Tinker: environment step', () => {
  test('shows the installed versions of the demo kernel with no false findings', async ({
    page,
    tmpPath
  }) => {
    const versions = installedVersions(VENV_PYTHON);
    await page.contents.uploadFile(
      path.resolve(__dirname, '..', 'notebooks', 'tinker_demo.ipynb'),
      `${tmpPath}/tinker_demo.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/tinker_demo.ipynb`);
    await page.notebook.activate('tinker_demo.ipynb');
    await page.notebook.runCell(1);

    await diagnose(page);

    const environment = panelStep(page, 'performance', 'environment');
    await expect(environment).toHaveAttribute('data-status', 'passed');
    await expect(environment.locator('.jp-TinkerDoctor-finding')).toHaveCount(
      0
    );
    const panel = triagePanel(page);
    for (const name of [...CHECKED_PACKAGES, 'python']) {
      await expect(
        panel.locator(`[data-package="${name}"] .jp-TinkerDoctor-versionValue`)
      ).toHaveText(versions[name]);
    }
    await expect(panel.locator('.jp-TinkerDoctor-kernel')).toHaveAttribute(
      'data-phase',
      /ready|busy/
    );
    // The probe ran silently: no output, no execution count.
    await expect(
      page
        .locator('.jp-Notebook .jp-Cell')
        .nth(2)
        .locator('.jp-OutputArea-output')
    ).toHaveCount(0);
  });

  test('a kernel with the pydantic 2.13 pre-release shows TD101', async ({
    page
  }) => {
    const versions = installedVersions(BAD_PYTHON);
    expect(versions['pydantic']).toMatch(/^2\.13\.0b/);
    await page.notebook.createNew('bad_pydantic.ipynb', {
      kernel: 'tinker-bad-pydantic'
    });
    await page.notebook.setCell(0, 'code', 'import tinker');
    await page.notebook.runCell(0);

    await diagnose(page);

    const environment = panelStep(page, 'performance', 'environment');
    await expect(environment).toHaveAttribute('data-status', 'failed');
    const td101 = environment.locator('[data-code="TD101"]');
    await expect(td101).toBeVisible();
    await expect(td101.locator('.jp-TinkerDoctor-evidence')).toContainText(
      versions['pydantic']
    );
    const panel = triagePanel(page);
    await expect(
      panel.locator('[data-package="pydantic"] .jp-TinkerDoctor-versionValue')
    ).toHaveText(versions['pydantic']);
    // The README's screenshot: a wider, taller panel than the default.
    await page.setViewportSize({ width: 1280, height: 1100 });
    await page.sidebar.setWidth(440, 'right');
    await panel.screenshot({ path: docsScreenshot('panel.png') });
  });
});
