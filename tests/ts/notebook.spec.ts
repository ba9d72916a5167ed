import { InputError, readNotebook } from '../../src/engine/notebook';

describe('readNotebook', () => {
  it('says an nbformat 3 notebook is unsupported rather than not a notebook', () => {
    const v3 = JSON.stringify({ nbformat: 3, worksheets: [{ cells: [] }] });
    expect(() => readNotebook(v3)).toThrow(InputError);
    expect(() => readNotebook(v3)).toThrow(/nbformat 3 is not supported/);
  });

  it('rejects JSON that is not a notebook', () => {
    expect(() => readNotebook('{"a": 1}')).toThrow(/no "cells" list/);
    expect(() => readNotebook('not json')).toThrow(/not valid JSON/);
  });

  it('reads cells, joined sources and ANSI-free tracebacks', () => {
    const nb = readNotebook({
      nbformat: 4,
      cells: [
        { cell_type: 'markdown', id: 'm', source: ['# T', 'itle'] },
        {
          cell_type: 'code',
          id: 'c',
          execution_count: 2,
          source: 'x = 1',
          outputs: [
            {
              output_type: 'error',
              ename: 'E',
              evalue: 'v',
              traceback: ['\u001b[31mE\u001b[0m: v']
            }
          ]
        }
      ]
    });
    expect(nb.cells.map(c => [c.index, c.id, c.cellType, c.source])).toEqual([
      [0, 'm', 'markdown', '# Title'],
      [1, 'c', 'code', 'x = 1']
    ]);
    expect(nb.cells[1].outputs[0].traceback).toEqual(['E: v']);
  });
});
