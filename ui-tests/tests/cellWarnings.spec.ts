/**
 * Cell warnings from static analysis: typing a loop that waits on each
 * training future before the next submission marks TD110 on that line, and
 * the panel's link scrolls a windowed notebook to a cell that starts off
 * screen.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import {
  cellSource,
  codeCell,
  diagnose,
  notebook,
  openNotebookText,
  triagePanel
} from './utils';

const SETUP = [
  'import time',
  'import tinker',
  '',
  'service_client = tinker.ServiceClient()',
  'training_client = service_client.create_lora_training_client(',
  '    base_model="Qwen/Qwen3-8B", rank=32)'
].join('\n');

/** A loop that waits for forward_backward before submitting optim_step. */
const LOOP = [
  'for step, batch in enumerate(train_batches):',
  '    lr = lr_schedule(step)',
  '    fwd = training_client.forward_backward(batch, "cross_entropy").result()',
  '    training_client.optim_step(tinker.AdamParams(learning_rate=lr)).result()'
].join('\n');

/** The 1-based line of `LOOP` where the first wait happens. */
const WAIT_LINE = 3;

test.describe('Cell warnings', () => {
  test('typing a non-pipelined loop marks TD110 on the waiting line', async ({
    page
  }) => {
    await page.notebook.createNew('loop.ipynb', { kernel: 'python3' });
    await page.notebook.setCell(0, 'code', SETUP);
    // CodeMirror indents after the `for` line: type the body flush left.
    const typed = LOOP.split('\n')
      .map(line => line.trimStart())
      .join('\n');
    await page.notebook.addCell('code', typed);
    expect(await cellSource(page, 1)).toBe(LOOP);

    const cell = await page.notebook.getCellLocator(1);
    const marker = cell!.locator(
      '.jp-TinkerDoctor-marker-item[data-code="TD110"]'
    );
    await expect(marker).toBeVisible({ timeout: 15000 });
    await expect(
      cell!.locator('.jp-TinkerDoctor-marker', {
        has: page.locator('[data-code="TD110"]')
      })
    ).toHaveAttribute('data-line', String(WAIT_LINE));
    const highlighted = cell!.locator('.cm-line.jp-TinkerDoctor-line');
    await expect(highlighted).toHaveCount(1);
    await expect(highlighted).toContainText('forward_backward(batch');
    await expect(cell!).toHaveClass(/jp-TinkerDoctor-warned/);

    // Dismissing hides the marker; once every warning of the cell is
    // dismissed the line highlight and the cell class go too. Nothing is
    // written into the notebook's metadata.
    await marker.locator('.jp-TinkerDoctor-marker-dismiss').click();
    await expect(marker).toHaveCount(0);
    const items = cell!.locator('.jp-TinkerDoctor-marker-item');
    while ((await items.count()) > 0) {
      const before = await items.count();
      await items.first().locator('.jp-TinkerDoctor-marker-dismiss').click();
      await expect(items).toHaveCount(before - 1);
    }
    await expect(highlighted).toHaveCount(0);
    await expect(cell!).not.toHaveClass(/jp-TinkerDoctor-warned/);
    const metadata = await page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const model = app.shell.currentWidget.content.model;
      return JSON.stringify(model.toJSON().cells.map((c: any) => c.metadata));
    });
    expect(metadata).not.toContain('TinkerDoctor');
    expect(metadata).not.toContain('TD110');
  });
});

test.describe('Cell warnings in a windowed notebook', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      '@jupyterlab/notebook-extension:tracker': {
        ...galata.DEFAULT_SETTINGS['@jupyterlab/notebook-extension:tracker'],
        windowingMode: 'full'
      }
    }
  });

  test('the finding link scrolls to a cell that starts off screen', async ({
    page,
    tmpPath
  }) => {
    const filler = Array.from({ length: 60 }, (_, i) =>
      codeCell(`filler-${i}`, `value_${i} = ${i} * 2\nprint(value_${i})`)
    );
    const cells = [codeCell('setup', SETUP), ...filler, codeCell('loop', LOOP)];
    const name = 'long_loop.ipynb';
    await openNotebookText(page, tmpPath, name, notebook(cells));

    const target = page.locator('.jp-Notebook .jp-Cell', {
      hasText: 'forward_backward(batch'
    });
    await expect(target).not.toBeInViewport();

    await diagnose(page);
    const link = triagePanel(page).locator(
      '[data-code="TD110"] .jp-TinkerDoctor-cellLink'
    );
    await expect(link).toHaveText(`Cell ${cells.length}, line ${WAIT_LINE}`);
    await link.click();

    await expect(target).toBeInViewport();
    await expect(target).toHaveClass(/jp-mod-active/);
    await expect(target).toHaveClass(/jp-TinkerDoctor-warned/);
    await expect(
      target.locator('.jp-TinkerDoctor-marker-item[data-code="TD110"]')
    ).toBeVisible();
    // The cursor sits on the waiting line of the active cell.
    const cursor = await page.evaluate(() => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      return {
        id: notebook.activeCell.model.id,
        line: notebook.activeCell.editor.getCursorPosition().line
      };
    });
    expect(cursor).toEqual({ id: 'loop', line: WAIT_LINE - 1 });
  });
});
