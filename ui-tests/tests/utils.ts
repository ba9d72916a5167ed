/**
 * Helpers shared by Tinker Doctor's UI tests.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { IJupyterLabPageFixture } from '@jupyterlab/galata';
import { Locator } from '@playwright/test';

/** The repository root. */
export const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Where a README screenshot goes: `docs/` when TD_UPDATE_DOCS=1 (run it on
 * purpose to refresh the README), else the test-results folder, so that an
 * ordinary test run never changes tracked files.
 */
export function docsScreenshot(name: string): string {
  return process.env.TD_UPDATE_DOCS === '1'
    ? path.join(ROOT, 'docs', name)
    : path.join(ROOT, 'ui-tests', 'test-results', 'docs', name);
}

/** The interpreter of the default kernel (the repo's .venv). */
export const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');

/** The interpreter of the `tinker-bad-pydantic` kernel. */
export const BAD_PYTHON = path.join(
  ROOT,
  '.venvs',
  'bad-pydantic',
  'bin',
  'python'
);

/** Packages whose versions the environment step must show. */
export const CHECKED_PACKAGES = ['tinker', 'pydantic', 'pydantic-core'];

/**
 * Read the installed versions of `names` (and Python's) from an
 * interpreter, as the test's independent source of truth.
 */
export function installedVersions(
  python: string,
  names: string[] = CHECKED_PACKAGES
): Record<string, string> {
  const script = [
    'import importlib.metadata as m, json, platform, sys',
    'names = json.loads(sys.argv[1])',
    'out = {n: m.version(n) for n in names}',
    'out["python"] = platform.python_version()',
    'print(json.dumps(out))'
  ].join('\n');
  const text = execFileSync(python, ['-c', script, JSON.stringify(names)], {
    encoding: 'utf-8'
  });
  return JSON.parse(text);
}

/** The triage panel. */
export function triagePanel(page: IJupyterLabPageFixture): Locator {
  return page.locator('#tinker-doctor-panel');
}

/** One step of the panel, by path and step id. */
export function panelStep(
  page: IJupyterLabPageFixture,
  pathId: string,
  stepId: string
): Locator {
  return triagePanel(page).locator(
    `[data-path="${pathId}"] [data-step="${stepId}"]`
  );
}

/** Click Diagnose Tinker in the notebook toolbar and wait for the result. */
export async function diagnose(page: IJupyterLabPageFixture): Promise<void> {
  await page.notebook.clickToolbarItem('diagnose-tinker');
  const panel = triagePanel(page);
  await panel.waitFor({ state: 'visible' });
  await panel
    .locator('.jp-TinkerDoctor-diagnosedAt')
    .waitFor({ state: 'visible', timeout: 90000 });
}

/** The source of cell `index` of the current notebook. */
export async function cellSource(
  page: IJupyterLabPageFixture,
  index: number
): Promise<string> {
  return page.evaluate(i => {
    const app = (window as any).jupyterapp;
    const panel = app.shell.currentWidget;
    return panel.content.model.cells.get(i).sharedModel.getSource();
  }, index);
}

/**
 * Put a notebook's text into the test's folder, open it and make it the
 * current widget.
 */
export async function openNotebookText(
  page: IJupyterLabPageFixture,
  folder: string,
  name: string,
  text: string
): Promise<void> {
  await page.contents.uploadContent(text, 'text', `${folder}/${name}`);
  await page.notebook.openByPath(`${folder}/${name}`);
  await page.notebook.activate(name);
}

/** A nbformat 4.5 code cell. */
export function codeCell(id: string, source: string): Record<string, unknown> {
  return {
    cell_type: 'code',
    execution_count: null,
    id,
    metadata: {},
    outputs: [],
    source
  };
}

/** A notebook for the python3 kernel holding `cells`. */
export function notebook(cells: Record<string, unknown>[]): string {
  return JSON.stringify({
    cells,
    metadata: {
      kernelspec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        name: 'python3'
      },
      language_info: { name: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

/**
 * Run a cell by id through the notebook's own command: galata's index-based
 * helpers need the cell in the DOM, which a windowed notebook does not give.
 * Returns once the run is asked for, with the cell's execution count before
 * it, for `waitForCellRun`.
 *
 * @throws Error when the notebook has no cell with that id.
 */
export async function startCellById(
  page: IJupyterLabPageFixture,
  cellId: string
): Promise<number | null> {
  const before = await page.evaluate(id => {
    const app = (window as any).jupyterapp;
    const notebook = app.shell.currentWidget.content;
    const index = notebook.widgets.findIndex((c: any) => c.model.id === id);
    if (index < 0) {
      return undefined;
    }
    const count = notebook.widgets[index].model.executionCount;
    notebook.activeCellIndex = index;
    notebook.deselectAll();
    // Not awaited: the command resolves only when the cell has run.
    void app.commands.execute('notebook:run-cell');
    return count;
  }, cellId);
  if (before === undefined) {
    throw new Error(`no cell with id ${cellId}`);
  }
  return before;
}

/**
 * Wait until a cell has run: idle, with an execution count other than
 * `before` (the count `startCellById` returned), so that a cell run earlier
 * does not count.
 */
export async function waitForCellRun(
  page: IJupyterLabPageFixture,
  cellId: string,
  before: number | null,
  timeout = 60000
): Promise<void> {
  await page.waitForFunction(
    ([id, previous]) => {
      const app = (window as any).jupyterapp;
      const notebook = app.shell.currentWidget.content;
      const cell = notebook.widgets.find((c: any) => c.model.id === id);
      const count = cell?.model.executionCount ?? null;
      return (
        !!cell &&
        cell.model.executionState === 'idle' &&
        count !== null &&
        count !== previous
      );
    },
    [cellId, before] as const,
    { timeout, polling: 100 }
  );
}
