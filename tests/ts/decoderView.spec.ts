/**
 * @jest-environment jsdom
 */
/**
 * The annotation under a cell's outputs: text from outputs is shown
 * literally, never parsed as HTML, and "more" hands the finding over.
 */
import type * as Widgets from '@lumino/widgets';
import type * as View from '../../src/ui/outputDecoderView';
import { decodeCellFindings } from '../../src/engine/decoder';
import { ICell } from '../../src/engine/types';

// jsdom lacks DragEvent, which @lumino/widgets touches when loaded.
(globalThis as any).DragEvent ??= class DragEvent extends Event {};
// Loaded after the shim above (imports would be hoisted before it).
const { PanelLayout, Widget } = require('@lumino/widgets') as typeof Widgets;
const { DecodedAnnotation } =
  require('../../src/ui/outputDecoderView') as typeof View;

const HOSTILE =
  'Request failed: max() iterable argument is empty <img src=x ' +
  "onerror=alert(1)> <b>bold</b> for self.request_id='req-<i>1</i>'";

function failingCell(): ICell {
  return {
    index: 2,
    id: 'cell-2',
    cellType: 'code',
    source: 'tc.forward_backward(batch, "cross_entropy").result()',
    executionCount: 3,
    outputs: [
      {
        outputType: 'error',
        ename: 'RequestFailedError',
        evalue: HOSTILE,
        traceback: [
          'Cell In[3], line 1',
          '----> 1 tc.forward_backward(batch, "cross_entropy").result()',
          `RequestFailedError: ${HOSTILE}`
        ],
        text: ''
      }
    ]
  };
}

describe('DecodedAnnotation', () => {
  it('shows HTML-looking output text literally', () => {
    const findings = decodeCellFindings(failingCell());
    expect(findings.map(f => f.code)).toEqual(['TD501']);
    const view = new DecodedAnnotation(() => undefined);
    view.setFindings(findings.map(f => ({ ...f, title: HOSTILE })));
    expect(view.node.querySelector('img, b, i')).toBeNull();
    expect(view.node.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(view.node.textContent).toContain('<b>bold</b>');
  });

  it('shows code, cause, line and fix, and "more" hands over the finding', () => {
    const findings = decodeCellFindings(failingCell());
    const more = jest.fn();
    const view = new DecodedAnnotation(more);
    view.setFindings(findings);
    const item = view.node.querySelector('.jp-TinkerDoctor-decoded-error');
    expect(
      item?.querySelector('.jp-TinkerDoctor-decoded-code')?.textContent
    ).toBe('TD501');
    expect(
      item?.querySelector('.jp-TinkerDoctor-decoded-line')?.textContent
    ).toBe('line 1');
    expect(
      item?.querySelector('.jp-TinkerDoctor-decoded-fixText')?.textContent
    ).toBe(findings[0].fix);
    (
      view.node.querySelector('.jp-TinkerDoctor-decoded-more') as HTMLElement
    ).click();
    expect(more).toHaveBeenCalledWith(findings[0]);
  });

  it('sits right after the output wrapper and moves back there', () => {
    const cell = new Widget();
    const layout = new PanelLayout();
    cell.layout = layout;
    const input = new Widget();
    const wrapper = new Widget();
    wrapper.addClass('jp-Cell-outputWrapper');
    const footer = new Widget();
    [input, wrapper, footer].forEach(w => layout.addWidget(w));
    const view = new DecodedAnnotation(() => undefined);
    expect(view.attachTo(cell as never)).toBe(true);
    expect(layout.widgets.indexOf(view)).toBe(2);
    layout.insertWidget(0, view);
    view.attachTo(cell as never);
    expect(layout.widgets.map(w => w === view)).toEqual([
      false,
      false,
      true,
      false
    ]);
    expect(layout.widgets[1]).toBe(wrapper);
  });

  it('waits when the cell has no output wrapper yet (placeholder)', () => {
    const cell = new Widget();
    cell.layout = new PanelLayout();
    const view = new DecodedAnnotation(() => undefined);
    expect(view.attachTo(cell as never)).toBe(false);
  });
});
