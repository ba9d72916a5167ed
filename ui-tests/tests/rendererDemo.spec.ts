/**
 * The demo notebook's renderer group (examples/demo.ipynb, group 5) on its
 * own kernel, `tinker-cookbook`: after its cells run, "Check renderer" in the
 * panel shows TD403 with the first divergence decoded, as text; with the
 * renderer the group's markdown recommends instead, the check passes.
 *
 * The demo and examples/local_tokenizers.py (the local tokenizer with
 * Qwen3's chat template that the group imports) are copied into the test
 * server's folder, where the kernel starts. The first test runs only the
 * setup and renderer cells (neither talks to the Tinker server); the second
 * runs the whole demo against the local server, as a user of
 * scripts/demo.sh would, live training client included.
 *
 * Needs the `tinker-cookbook` kernelspec that scripts/venvs/cookbook.sh puts
 * in .venvs/cookbook/share/jupyter, visible to the test server through
 * JUPYTER_PATH; without it the test is skipped and says why.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  codeCell,
  diagnose,
  openNotebookText,
  panelStep,
  ROOT,
  startCellById,
  triagePanel,
  waitForCellRun
} from './utils';

const EXAMPLES = path.join(ROOT, 'examples');
/** A local Tinker server port of this file's own (liveStall uses 8797). */
const SERVER_PORT = process.env.TD_UI_DEMO_TINKER_PORT || '8796';
const SERVER_SCRIPT = path.join(ROOT, 'scripts', 'local-server.sh');

test.describe('Renderer check on the demo notebook', () => {
  test('shows the divergence decoded; the fix passes', async ({
    page,
    tmpPath
  }) => {
    await Private.openDemo(page, tmpPath);

    for (const id of ['setup', 'data', 'renderer']) {
      await Private.runCellById(page, id);
    }
    expect(await Private.cellOutput(page, 'renderer')).toContain(
      'Qwen3InstructRenderer for Qwen/Qwen3-8B'
    );
    const { panel, tokens, td403 } = await Private.checkRenderer(page);
    await expect(tokens).toHaveAttribute('data-status', 'failed');
    await expect(td403.locator('.jp-TinkerDoctor-findingTitle')).toContainText(
      'qwen3_instruct vs Qwen/Qwen3-8B'
    );
    // The renderer's model is the model checked: the cookbook's
    // recommendations for it do not include qwen3_instruct.
    const td401 = panelStep(page, 'renderer', 'config').locator(
      '[data-code="TD401"]'
    );
    await expect(td401).toContainText('qwen3_disable_thinking');
    const evidence = td403.locator('.jp-TinkerDoctor-evidence');
    // The demo's own conversations (CHATS) are the ones compared. After
    // "<|im_start|>assistant\n" the template opens a think block; the
    // renderer writes none. Both sides decoded, as text.
    await expect(evidence).toContainText('First: CHATS[0]');
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
    await expect(td401).toHaveCount(0);
  });

  test('runs on the whole demo, live training client included', async ({
    page,
    tmpPath
  }) => {
    execFileSync(SERVER_SCRIPT, ['start', SERVER_PORT], { stdio: 'pipe' });
    try {
      // Point the demo at this test's server (the setup cell keeps it).
      const env = codeCell(
        'test-env',
        'import os\n' +
          `os.environ["TINKER_BASE_URL"] = "http://127.0.0.1:${SERVER_PORT}"`
      );
      const ids = await Private.openDemo(page, tmpPath, [env]);
      // Every code cell, top to bottom, but the last (meant to fail).
      for (const id of ids.slice(0, -1)) {
        await Private.runCellById(page, id);
      }
      expect(ids[ids.length - 1]).toBe('fail');
      expect(await Private.cellOutput(page, 'sft')).toContain('steps/s');
      const { panel, td403 } = await Private.checkRenderer(page);
      // The renderer was built for Qwen3-8B: that model is checked, not the
      // training client's toy model.
      await expect(td403).toContainText('qwen3_instruct vs Qwen/Qwen3-8B');
      await expect(
        panelStep(page, 'renderer', 'config').locator('[data-code="TD401"]')
      ).toContainText('qwen3_disable_thinking');
      const evidence = td403.locator('.jp-TinkerDoctor-evidence');
      await expect(evidence).toContainText('First: CHATS[0]');
      await expect(evidence).toContainText('template: "<think>');
      await expect(evidence).toContainText('think block');
      await expect(panel.locator('think')).toHaveCount(0);
    } finally {
      execFileSync(SERVER_SCRIPT, ['stop', SERVER_PORT], { stdio: 'pipe' });
    }
  });
});

namespace Private {
  /**
   * Copy the demo (with `extra` cells first) and local_tokenizers.py into
   * the test's folder, open it and wait for its kernel, tinker-cookbook;
   * skip the test when that kernelspec is not visible. Returns the ids of
   * the code cells in order.
   */
  export async function openDemo(
    page: IJupyterLabPageFixture,
    tmpPath: string,
    extra: Record<string, unknown>[] = []
  ): Promise<string[]> {
    const specs = await (await page.request.get('/api/kernelspecs')).json();
    test.skip(
      !specs?.kernelspecs?.['tinker-cookbook'],
      'kernelspec tinker-cookbook (the demo notebook’s kernel) not visible ' +
        'to the test server: run scripts/venvs/cookbook.sh'
    );
    const demo = JSON.parse(
      fs.readFileSync(path.join(EXAMPLES, 'demo.ipynb'), 'utf-8')
    );
    demo.cells = [...extra, ...demo.cells];
    await page.contents.uploadContent(
      fs.readFileSync(path.join(EXAMPLES, 'local_tokenizers.py'), 'utf-8'),
      'text',
      `${tmpPath}/local_tokenizers.py`
    );
    await openNotebookText(page, tmpPath, 'demo.ipynb', JSON.stringify(demo));
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
    return demo.cells
      .filter((c: { cell_type: string }) => c.cell_type === 'code')
      .map((c: { id: string }) => c.id);
  }

  /**
   * Diagnose, click "Check renderer" and wait for its TD403 in the
   * renderer path's tokens step.
   */
  export async function checkRenderer(page: IJupyterLabPageFixture): Promise<{
    panel: Locator;
    tokens: Locator;
    td403: Locator;
  }> {
    await diagnose(page);
    const panel = triagePanel(page);
    const tokens = panelStep(page, 'renderer', 'tokens');
    await panel.locator('[data-action="renderer"]').click();
    const td403 = tokens.locator('[data-code="TD403"]');
    await expect(td403).toBeVisible({ timeout: 60000 });
    return { panel, tokens, td403 };
  }

  /** Run a cell by id and wait until it has run. */
  export async function runCellById(
    page: IJupyterLabPageFixture,
    cellId: string
  ): Promise<void> {
    const before = await startCellById(page, cellId);
    await waitForCellRun(page, cellId, before, 45000);
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
