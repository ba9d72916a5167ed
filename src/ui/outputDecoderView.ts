/**
 * The annotation shown under a cell's output area: for each decoded finding
 * the cause in one line, the fix, and a "more" link.
 *
 * Every piece of text comes from cell output (untrusted) or from the
 * decoder's templates filled with values out of that output, so it is set
 * with `textContent` only, never parsed as HTML.
 */
import type { Cell } from '@jupyterlab/cells';
import { PanelLayout, Widget } from '@lumino/widgets';
import { IFinding } from '../engine/types';
import { button, el } from './dom';

/** The annotation's class; items and parts extend it. */
export const DECODED_CLASS = 'jp-TinkerDoctor-decoded';

/** The class of the cell's output wrapper in JupyterLab 4. */
const OUTPUT_WRAPPER_CLASS = 'jp-Cell-outputWrapper';

/** The annotation widget placed right after a cell's output wrapper. */
export class DecodedAnnotation extends Widget {
  /** Create an empty annotation; `onMore` runs for a finding's "more". */
  constructor(onMore: (finding: IFinding) => void) {
    super();
    this._onMore = onMore;
    this.addClass(DECODED_CLASS);
    this.node.setAttribute('role', 'note');
    this.node.setAttribute('aria-label', 'Tinker Doctor: decoded error');
  }

  /** The findings shown. */
  get findings(): ReadonlyArray<IFinding> {
    return this._findings;
  }

  /** Show these findings (replacing the previous ones). */
  setFindings(findings: ReadonlyArray<IFinding>): void {
    this._findings = findings;
    this.node.replaceChildren(...findings.map(f => this._item(f)));
  }

  /**
   * Put the annotation right after the cell's output wrapper (moving it
   * back there if the cell's layout changed). Returns false when the cell
   * has no output wrapper yet (a placeholder).
   */
  attachTo(cell: Cell): boolean {
    const layout = cell.layout;
    if (!(layout instanceof PanelLayout) || cell.isDisposed) {
      return false;
    }
    const wrapper = layout.widgets.findIndex(w =>
      w.hasClass(OUTPUT_WRAPPER_CLASS)
    );
    if (wrapper < 0) {
      return false;
    }
    const at = layout.widgets.indexOf(this);
    if (at !== wrapper + 1) {
      // insertWidget moves the widget when it is already in this layout.
      layout.insertWidget(
        at >= 0 && at < wrapper ? wrapper : wrapper + 1,
        this
      );
    }
    return true;
  }

  private _item(finding: IFinding): HTMLElement {
    const item = el(
      'div',
      `${DECODED_CLASS}-item ${DECODED_CLASS}-${finding.severity}`
    );
    item.dataset.code = finding.code;
    const head = el('div', `${DECODED_CLASS}-head`);
    const cause = el('span', `${DECODED_CLASS}-cause`, finding.title);
    // The full cause on hover when the one-line view cuts it.
    cause.title = finding.title;
    head.append(el('span', `${DECODED_CLASS}-code`, finding.code), cause);
    if (finding.line !== null) {
      head.append(el('span', `${DECODED_CLASS}-line`, `line ${finding.line}`));
    }
    head.append(
      button(
        `${DECODED_CLASS}-more`,
        'more',
        () => this._onMore(finding),
        'Open this finding in the Tinker Doctor panel'
      )
    );
    const fix = el('div', `${DECODED_CLASS}-fix`);
    fix.append(
      el('span', `${DECODED_CLASS}-fixLabel`, 'Fix: '),
      el('span', `${DECODED_CLASS}-fixText`, finding.fix)
    );
    item.append(head, fix);
    return item;
  }

  private _findings: ReadonlyArray<IFinding> = [];
  private _onMore: (finding: IFinding) => void;
}
