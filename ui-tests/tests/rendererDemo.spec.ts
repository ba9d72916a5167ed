/**
 * The demo notebook's renderer group (examples/demo.ipynb, group 5) on its
 * own kernel, `tinker-cookbook`: after its cells run, "Check renderer" in the
 * panel shows TD403 with the first divergence decoded, as text; with the
 * renderer the group's markdown recommends instead, the check passes.
 *
 * The demo and examples/local_tokenizers.py (the local tokenizer with
 * Qwen3's chat template that the group imports) are copied into the test
 * server's folder, where the kernel starts. Only the setup and renderer
 * cells run: neither talks to the Tinker server.
 *
 * Needs the `tinker-cookbook` kernelspec that scripts/venvs/cookbook.sh puts
 * in .venvs/cookbook/share/jupyter, visible to the test server through
 * JUPYTER_PATH; without it the test is skipped and says why.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as path from 'path';
import { diagnose, panelStep, ROOT, triagePanel } from './utils';

const EXAMPLES = path.join(ROOT, 'examples');

test.describe('Renderer check on the demo notebook', () => {
  test('shows the divergence decoded; the fix passes', async ({
    page,
    tmpPath
  }) => {
    const specs = await (await page.request.get('/api/kernelspecs')).json();
    test.skip(
      !specs?.kernelspecs?.['tinker-cookbook'],
      'kernelspec tinker-cookbook (the demo notebook’s kernel) not visible ' +
        'to the test server: run scripts/venvs/cookbook.sh'
    );
    for (const name of ['demo.ipynb', 'local_tokenizers.py']) {
      await page.contents.uploadContent(
        fs.readFileSync(path.join(EXAMPLES, name), 'utf-8'),
        'text',
        `${tmpPath}/${name}`
      );
    }
    await page.notebook.openByPath(`${tmpPath}/demo.ipynb`);
    await page.notebook.activate('demo.ipynb');
    // The notebook asks for its kernel by name: no kernel-picker dialog.
    await page.waitForFunction(
      () => {
        const app = (window as any).jupyterapp;
        const context = app.shell.currentWidget?.sessionContext;
        return context?.session?.kernel?.name === 'tinker-cookbook';
      },
      undefined,
      { timeout: 30000 }
    );

    for (const id of ['setup', 'renderer']) {
      await Private.runCellById(page, id);
    }
    expect(await Private.cellOutput(page, 'renderer')).toContain(
      'Qwen3InstructRenderer for Qwen/Qwen3-8B'
    );
    await diagnose(page);

    const panel = triagePanel(page);
    const tokens = panelStep(page, 'renderer', 'tokens');
    await panel.locator('[data-action="renderer"]').click();
    const td403 = tokens.locator('[data-code="TD403"]');
    await expect(td403).toBeVisible({ timeout: 60000 });
    await expect(tokens).toHaveAttribute('data-status', 'failed');
    await expect(td403.locator('.jp-TinkerDoctor-findingTitle')).toContainText(
      'qwen3_instruct vs Qwen/Qwen3-8B'
    );
    const evidence = td403.locator('.jp-TinkerDoctor-evidence');
    // After "<|im_start|>assistant\n" the template opens a think block; the
    // renderer writes none. Both sides decoded, as text.
    await expect(evidence).toContainText('template: "<think>');
    await expect(evidence).toContainText('<|im_start|>assistant');
    await expect(evidence).toContainText('renderer: "');
    await expect(evidence).toContainText('think block');
    await expect(panel.locator('think')).toHaveCount(0);

    // The group's markdown: build the recommended renderer instead.
    await Private.replaceInCell(
      page,
      'renderer',
      '"qwen3_instruct"',
      '"qwen3_disable_thinking"'
    );
    await Private.runCellById(page, 'renderer');
    await panel.locator('[data-action="renderer"]').click();
    await expect(tokens).toHaveAttribute('data-status', 'passed', {
      timeout: 60000
    });
    await expect(tokens.locator('[data-code="TD403"]')).toHaveCount(0);
  });
});

namespace Private {
  /** Run a cell by id and wait until it has run. */
  export async function runCellById(
    page: IJupyterLabPageFixture,
    cellId: string
  ): Promise<void> {
    await page.evaluate(id => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      const index = notebook.widgets.findIndex((c: any) => c.model.id === id);
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      // Not awaited: the command resolves only when the cell has run.
      void app.commands.execute('notebook:run-cell');
    }, cellId);
    await page.waitForFunction(
      id => {
        const app = (window as any).jupyterapp;
        const notebook = app.shell.currentWidget.content;
        const cell = notebook.widgets.find((c: any) => c.model.id === id);
        return (
          cell &&
          cell.model.executionState === 'idle' &&
          cell.model.executionCount !== null
        );
      },
      cellId,
      { timeout: 45000, polling: 100 }
    );
  }

  /** The text of a cell's stream and error outputs. */
  export async function cellOutput(
    page: IJupyterLabPageFixture,
    cellId: string
  ): Promise<string> {
    return page.evaluate(id => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      const cell = notebook.widgets.find((c: any) => c.model.id === id);
      const outputs = cell.model.outputs.toJSON() as any[];
      return outputs
        .map(o =>
          o.output_type === 'error'
            ? `${o.ename}: ${o.evalue}`
            : [].concat(o.text ?? []).join('')
        )
        .join('');
    }, cellId);
  }

  /** Replace `from` by `to` in a cell's source (it must occur). */
  export async function replaceInCell(
    page: IJupyterLabPageFixture,
    cellId: string,
    from: string,
    to: string
  ): Promise<void> {
    const done = await page.evaluate(
      ([id, a, b]) => {
        const app = (window as any).jupyterapp;
        const notebook = app.shell.currentWidget.content;
        const cell = notebook.widgets.find((c: any) => c.model.id === id);
        const source: string = cell.model.sharedModel.getSource();
        if (!source.includes(a)) {
          return false;
        }
        cell.model.sharedModel.setSource(source.replace(a, b));
        return true;
      },
      [cellId, from, to]
    );
    expect(done).toBe(true);
  }
}
