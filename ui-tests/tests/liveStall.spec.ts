/**
 * Live warnings from the watchdog, with the real SDK against the project's
 * local server: running the demo's GIL-heavy cell marks that cell and line
 * while the cell still runs, and the panel's link scrolls a windowed
 * notebook back to it from far away.
 */
import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  codeCell,
  diagnose,
  openNotebookText,
  ROOT,
  startCellById,
  triagePanel,
  waitForCellRun
} from './utils';

/** A port of its own, so a developer's server on 8765 is left alone. */
const SERVER_PORT = process.env.TD_UI_TINKER_PORT || '8797';
const SERVER_SCRIPT = path.join(ROOT, 'scripts', 'local-server.sh');

test.describe('Live GIL-hold warnings', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      '@jupyterlab/notebook-extension:tracker': {
        ...galata.DEFAULT_SETTINGS['@jupyterlab/notebook-extension:tracker'],
        windowingMode: 'full'
      }
    }
  });

  test.beforeAll(() => {
    execFileSync(SERVER_SCRIPT, ['start', SERVER_PORT], { stdio: 'pipe' });
  });

  test.afterAll(() => {
    execFileSync(SERVER_SCRIPT, ['stop', SERVER_PORT], { stdio: 'pipe' });
  });

  test('the GIL-heavy cell is marked on its line while it runs', async ({
    page,
    tmpPath
  }) => {
    const demo = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'examples', 'demo.ipynb'), 'utf-8')
    );
    const byId = (id: string) =>
      demo.cells.findIndex((c: { id: string }) => c.id === id);
    const gilSource = [].concat(demo.cells[byId('gil')].source).join('');
    const gilLine =
      gilSource.split('\n').findIndex(l => l.includes('sorted(NOISE)')) + 1;
    expect(gilLine).toBeGreaterThan(0);
    // Point the demo at this test's server, and put enough cells before it
    // that its cells start far below the screen.
    const env = codeCell(
      'test-env',
      `import os\nos.environ["TINKER_BASE_URL"] = "http://127.0.0.1:${SERVER_PORT}"`
    );
    const filler = Array.from({ length: 40 }, (_, i) =>
      codeCell(`filler-${i}`, `filler_${i} = ${i}`)
    );
    demo.cells = [env, ...filler, ...demo.cells];
    const name = 'demo_live.ipynb';
    await openNotebookText(page, tmpPath, name, JSON.stringify(demo));

    for (const id of ['test-env', 'setup', 'data', 'client', 'sft']) {
      await waitForCellRun(page, id, await startCellById(page, id));
    }
    await diagnose(page);

    const gilBefore = await startCellById(page, 'gil');
    // Watch in the page: when the cell gets its warning (the class on the
    // cell node is set even while a windowed cell is not rendered) and the
    // panel lists TD120, is the cell still running?
    const label = `Cell ${byId('gil') + 1}, line ${gilLine}`;
    const seen = await page.waitForFunction(
      ([cellId, expected]) => {
        const app = (window as any).jupyterapp;
        const notebook = app.shell.currentWidget.content;
        const cell = notebook.widgets.find((c: any) => c.model.id === cellId);
        const links = document.querySelectorAll(
          '#tinker-doctor-panel [data-code="TD120"] .jp-TinkerDoctor-cellLink'
        );
        // Other TD120s (an earlier cell's hold) may be listed first.
        const link =
          Array.from(links)
            .map(l => l.textContent ?? '')
            .find(text => text.includes(expected)) ?? null;
        if (!cell?.node.classList.contains('jp-TinkerDoctor-warned') || !link) {
          return null;
        }
        return {
          running: cell.model.executionState === 'running',
          link
        };
      },
      ['gil', label] as const,
      { timeout: 60000, polling: 50 }
    );
    const first = await seen.jsonValue();
    expect(first.running).toBe(true);
    expect(first.link).toContain(label);

    // Kept after the cell ends; the panel links to it from the top.
    await waitForCellRun(page, 'gil', gilBefore);
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      notebook.activeCellIndex = 0;
      await notebook.scrollToCell(notebook.widgets[0], 'start');
    });
    const target = page.locator('.jp-Notebook .jp-CodeCell', {
      hasText: 'ordered = sorted(NOISE)'
    });
    await expect(target).not.toBeInViewport();
    await diagnose(page);
    const gilPosition = byId('gil') + 1;
    const link = triagePanel(page).locator(
      '[data-code="TD120"] .jp-TinkerDoctor-cellLink',
      { hasText: `Cell ${gilPosition}, line ${gilLine}` }
    );
    await expect(link).toHaveCount(1);
    await link.click();
    await expect(target).toBeInViewport();
    await expect(
      target.locator('.jp-TinkerDoctor-marker-item[data-code="TD120"]')
    ).toBeVisible();
  });
});
