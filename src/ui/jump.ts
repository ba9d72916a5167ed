/**
 * Jump to a cell and line of a notebook: scroll the (possibly windowed)
 * notebook to the cell, then put the editor cursor on the line.
 */
import { NotebookPanel } from '@jupyterlab/notebook';

/** Where to jump: a cell by id (preferred) or index, and a 1-based line. */
export interface IJumpTarget {
  cellId?: string | null;
  cellIndex?: number | null;
  line?: number | null;
}

/**
 * Scroll `panel` to the target cell and place the cursor on its line.
 *
 * `Notebook.scrollToCell` works for cells that a windowed notebook has not
 * rendered yet; the editor exists once `cell.ready` resolves.
 *
 * @returns false when the cell no longer exists.
 */
export async function jumpToCell(
  panel: NotebookPanel,
  target: IJumpTarget
): Promise<boolean> {
  const notebook = panel.content;
  const cells = notebook.widgets;
  let index = -1;
  if (target.cellId) {
    index = cells.findIndex(c => c.model.id === target.cellId);
  }
  if (index < 0 && typeof target.cellIndex === 'number') {
    index = target.cellIndex < cells.length ? target.cellIndex : -1;
  }
  if (index < 0) {
    return false;
  }
  const cell = cells[index];
  // scrollToCell selects the cell but does not make it the active one.
  notebook.activeCellIndex = index;
  await notebook.scrollToCell(cell, 'center');
  await cell.ready;
  const editor = cell.editor;
  if (editor && typeof target.line === 'number' && target.line >= 1) {
    const line = Math.min(target.line, editor.lineCount) - 1;
    notebook.mode = 'edit';
    editor.setCursorPosition({ line, column: 0 });
    editor.revealPosition({ line, column: 0 });
    editor.focus();
  }
  return true;
}
