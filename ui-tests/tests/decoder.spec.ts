/**
 * Live error decoding: a cell that raises a Tinker error gets the decoded
 * cause and fix right under its output; text from the output is shown
 * literally, never as HTML; stored outputs are decoded on open, also in a
 * windowed notebook, and nothing is saved into the notebook.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  expect,
  galata,
  IJupyterLabPageFixture,
  test
} from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import { openNotebookText, triagePanel } from './utils';

const FIXTURE = path.resolve(
  __dirname,
  '..',
  'notebooks',
  'decoder-stored.ipynb'
);

/** A real Tinker exception, as `.result()` raises it for a failed request. */
const RAISE_TINKER = [
  'import tinker',
  'raise tinker.RequestFailedError(',
  '    "Request failed: max() iterable argument is empty for "',
  '    "self.request_id=\'req-0001\' and expected type "',
  '    "self.model_cls=ForwardBackwardOutput",',
  '    request_id="req-0001",',
  '    category=tinker.types.RequestErrorCategory.User)'
].join('\n');

/** An error message that decodes (TD121) and carries HTML-looking text. */
const HOSTILE_LAST = '<img src=x onerror=alert(1)> <b>bold</b>';
const RAISE_HOSTILE = [
  'raise RuntimeError(',
  '    "Session heartbeat failed for 130.5 seconds for session sess-0001. "',
  `    "Last exception: ${HOSTILE_LAST}.")`
].join('\n');

/**
 * A cell whose stderr output grows while it runs: the second line lands in
 * the same stream output (JupyterLab appends to it in place).
 */
const STREAMING = [
  'import sys, time',
  'print("preparing data", file=sys.stderr, flush=True)',
  'time.sleep(1)',
  'print("Model creation for Qwen/Qwen3-32B is paused. Reason: Tinker "',
  '      "backend is running short on capacity, please wait.",',
  '      file=sys.stderr, flush=True)',
  'time.sleep(20)'
].join('\n');

/** The decoder's annotation in cell `index` of the current notebook. */
async function annotation(
  page: IJupyterLabPageFixture,
  index: number
): Promise<Locator> {
  const cell = await page.notebook.getCellLocator(index);
  return cell!.locator('.jp-TinkerDoctor-decoded');
}

test.describe('Error decoder', () => {
  test('a Tinker error is decoded right under its output', async ({ page }) => {
    await page.notebook.createNew('decoder_live.ipynb');
    await page.notebook.setCell(0, 'code', RAISE_TINKER);
    await page.notebook.runCell(0);

    const decoded = await annotation(page, 0);
    const item = decoded.locator(
      '.jp-TinkerDoctor-decoded-item[data-code="TD501"]'
    );
    await expect(item).toBeVisible({ timeout: 15000 });
    await expect(item.locator('.jp-TinkerDoctor-decoded-cause')).toHaveText(
      /empty token chunk/
    );
    await expect(item.locator('.jp-TinkerDoctor-decoded-line')).toHaveText(
      'line 2'
    );
    await expect(item.locator('.jp-TinkerDoctor-decoded-fixText')).toHaveText(
      /every datum has tokens/
    );
    // Directly under the output area.
    const previous = await decoded.evaluate(
      node => node.previousElementSibling?.className ?? ''
    );
    expect(previous).toContain('jp-Cell-outputWrapper');

    // "more" opens the finding in the panel.
    await item.locator('.jp-TinkerDoctor-decoded-more').click();
    await expect(triagePanel(page)).toBeVisible();

    // Re-running a cell that no longer fails removes the annotation.
    await page.notebook.setCell(0, 'code', 'print("fixed")');
    await page.notebook.runCell(0);
    await expect(decoded).toHaveCount(0, { timeout: 15000 });
  });

  test('a log line is decoded as it arrives, while the cell runs', async ({
    page
  }) => {
    await page.notebook.createNew('decoder_stream.ipynb');
    await page.notebook.setCell(0, 'code', STREAMING);
    // Run without waiting for the end: the cell keeps running for a while.
    await page.notebook.selectCells(0);
    await page.keyboard.press('Control+Enter');

    const item = (await annotation(page, 0)).locator('[data-code="TD306"]');
    await expect(item).toBeVisible({ timeout: 10000 });
    const cell = await page.notebook.getCellLocator(0);
    // Still running: the annotation came from the stream, not the end.
    await expect(cell!.locator('.jp-InputPrompt')).toContainText('*');
    await expect(item.locator('.jp-TinkerDoctor-decoded-cause')).toHaveText(
      /Qwen\/Qwen3-32B is paused/
    );
  });

  test('HTML-looking text in an output is shown literally', async ({
    page
  }) => {
    const dialogs: string[] = [];
    page.on('dialog', dialog => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.notebook.createNew('decoder_hostile.ipynb');
    await page.notebook.setCell(0, 'code', RAISE_HOSTILE);
    await page.notebook.runCell(0);

    const decoded = await annotation(page, 0);
    const cause = decoded.locator(
      '[data-code="TD121"] .jp-TinkerDoctor-decoded-cause'
    );
    await expect(cause).toBeVisible({ timeout: 15000 });
    await expect(cause).toContainText(HOSTILE_LAST);
    await expect(decoded.locator('img, b')).toHaveCount(0);
    expect(dialogs).toEqual([]);
  });

  test('an error object shown as a value is decoded (402: TD303 only)', async ({
    page
  }) => {
    // The SDK's own exception class, built as the SDK builds it for a 402,
    // shown as the cell's value rather than raised.
    const code = [
      'import httpx, tinker',
      'request = httpx.Request("POST", "http://127.0.0.1:9/api/v1/x")',
      'response = httpx.Response(402, request=request)',
      'err = tinker.PermissionDeniedError(',
      "    \"Error code: 402 - {'detail': 'The job is paused due to billing status'}\",",
      '    response=response, body=None)',
      'err'
    ].join('\n');
    await page.notebook.createNew('decoder_value.ipynb');
    await page.notebook.setCell(0, 'code', code);
    await page.notebook.runCell(0);
    const cell = (await page.notebook.getCellLocator(0))!;
    const decoded = cell.locator('.jp-TinkerDoctor-decoded');
    await expect(
      decoded.locator('.jp-TinkerDoctor-decoded-item[data-code="TD303"]')
    ).toBeVisible({ timeout: 20000 });
    await expect(
      decoded.locator('.jp-TinkerDoctor-decoded-item[data-code="TD506"]')
    ).toHaveCount(0);
    expect(await cell.locator('.jp-OutputArea-output').innerText()).toMatch(
      /PermissionDeniedError\(/
    );

    // Plain text that mentions a number like a status is not an error.
    await page.notebook.setCell(0, 'code', '"the error rate was 402 per day"');
    await page.notebook.runCell(0);
    await expect(decoded).toHaveCount(0, { timeout: 15000 });
  });
});

test.describe('Error decoder on stored outputs, windowed', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      '@jupyterlab/notebook-extension:tracker': {
        ...galata.DEFAULT_SETTINGS['@jupyterlab/notebook-extension:tracker'],
        windowingMode: 'full'
      }
    }
  });

  test('stored errors and log lines are decoded on open', async ({
    page,
    tmpPath
  }) => {
    const name = 'decoder-stored.ipynb';
    await openNotebookText(
      page,
      tmpPath,
      name,
      fs.readFileSync(FIXTURE, 'utf-8')
    );

    await expect(
      (await annotation(page, 1)).locator('[data-code="TD501"]')
    ).toBeVisible({ timeout: 15000 });
    await expect(
      (await annotation(page, 2)).locator('[data-code="TD306"]')
    ).toContainText('Qwen/Qwen3-32B');

    // The last cell starts off screen (a placeholder): scrolling it into
    // view shows its annotation.
    const last = page.locator('.jp-Notebook .jp-Cell', {
      hasText: 'asyncio.run(main())'
    });
    await expect(last).not.toBeInViewport();
    await page.evaluate(async () => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      const cell = notebook.widgets[notebook.widgets.length - 1];
      await notebook.scrollToCell(cell, 'center');
    });
    await expect(
      last.locator('.jp-TinkerDoctor-decoded [data-code="TD515"]')
    ).toBeVisible({ timeout: 15000 });

    // Nothing of the decoder is written into the notebook.
    const saved = await page.evaluate(() => {
      const app = (window as any).jupyterapp;
      return JSON.stringify(app.shell.currentWidget.content.model.toJSON());
    });
    expect(saved).not.toContain('TinkerDoctor');
  });
});
