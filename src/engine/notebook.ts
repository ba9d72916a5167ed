/**
 * Read a saved notebook (nbformat 4) into the engine's cell model.
 */
import { ICell, ICellOutput, INotebookInput } from './types';

/** Bad input: the message is meant for the user, on one line. */
export class InputError extends Error {}

const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Remove ANSI colour escapes (tracebacks are stored coloured). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function joinSource(source: unknown): string {
  if (Array.isArray(source)) {
    return source.map(String).join('');
  }
  return typeof source === 'string' ? source : '';
}

function readOutput(raw: any): ICellOutput | null {
  if (!raw || typeof raw !== 'object') {
    return null;
  }
  switch (raw.output_type) {
    case 'stream':
      return {
        outputType: 'stream',
        name: String(raw.name ?? 'stdout'),
        text: stripAnsi(joinSource(raw.text))
      };
    case 'error': {
      const traceback = Array.isArray(raw.traceback)
        ? raw.traceback.map((l: unknown) => stripAnsi(String(l)))
        : [];
      return {
        outputType: 'error',
        ename: String(raw.ename ?? ''),
        evalue: stripAnsi(String(raw.evalue ?? '')),
        traceback,
        text: traceback.join('\n')
      };
    }
    case 'execute_result':
    case 'display_data': {
      const data = raw.data ?? {};
      return {
        outputType: raw.output_type,
        text: stripAnsi(joinSource(data['text/plain']))
      };
    }
    default:
      return null;
  }
}

/**
 * Parse notebook JSON (text or object) into cells.
 *
 * @throws InputError when the text is not a notebook.
 */
export function readNotebook(content: string | unknown): INotebookInput {
  let nb: any = content;
  if (typeof content === 'string') {
    try {
      nb = JSON.parse(content);
    } catch (error) {
      throw new InputError(`not valid JSON (${(error as Error).message})`);
    }
  }
  if (nb && typeof nb === 'object' && typeof nb.nbformat === 'number') {
    if (nb.nbformat < 4) {
      throw new InputError(
        `nbformat ${nb.nbformat} is not supported (need 4; convert it with ` +
          '"jupyter nbconvert --to notebook --nbformat 4")'
      );
    }
  }
  if (!nb || typeof nb !== 'object' || !Array.isArray(nb.cells)) {
    throw new InputError('not a Jupyter notebook (no "cells" list)');
  }
  const cells: ICell[] = nb.cells.map((raw: any, index: number) => {
    if (!raw || typeof raw !== 'object') {
      throw new InputError(`cell ${index} is not an object`);
    }
    const cellType =
      raw.cell_type === 'markdown' || raw.cell_type === 'raw'
        ? raw.cell_type
        : 'code';
    const outputs = Array.isArray(raw.outputs)
      ? raw.outputs.map(readOutput).filter(Boolean)
      : [];
    return {
      index,
      id: typeof raw.id === 'string' ? raw.id : null,
      cellType,
      source: joinSource(raw.source),
      outputs: outputs as ICellOutput[],
      executionCount:
        typeof raw.execution_count === 'number' ? raw.execution_count : null
    };
  });
  const language =
    nb.metadata?.language_info?.name ?? nb.metadata?.kernelspec?.language;
  return { cells, language: typeof language === 'string' ? language : null };
}
