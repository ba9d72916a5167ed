/**
 * The CodeMirror 6 side of cell warnings: highlights each warned line and
 * shows a marker (code, title, evidence, a dismiss button) under it.
 *
 * The decorations live in a state field built from the shared
 * `CellWarningsModel` when the editor is created, so a cell that a windowed
 * notebook renders late shows the current warnings; a view plugin listens to
 * the model and asks the field to rebuild when this cell's warnings change.
 * Block widgets must come from a state field, not from a view plugin.
 */
import {
  EditorState,
  Extension,
  RangeSetBuilder,
  StateEffect,
  StateField
} from '@codemirror/state';
import {
  Decoration,
  DecorationSet,
  EditorView,
  ViewPlugin,
  WidgetType
} from '@codemirror/view';
import { CellWarningsModel, ICellWarning } from './cellWarnings';

/** The class on a warned line. */
export const LINE_CLASS = 'jp-TinkerDoctor-line';

/** The class on the marker under a warned line. */
export const MARKER_CLASS = 'jp-TinkerDoctor-marker';

/** Editor extension showing the warnings of cell `cellId`. */
export function cellWarningsExtension(
  model: CellWarningsModel,
  cellId: string
): Extension {
  const refresh = StateEffect.define<null>();
  const build = (state: EditorState): DecorationSet =>
    Private.decorations(state, model.get(cellId), warning =>
      model.dismiss(cellId, warning)
    );
  const field = StateField.define<DecorationSet>({
    create: build,
    update(value, tr) {
      if (tr.docChanged || tr.effects.some(e => e.is(refresh))) {
        return build(tr.state);
      }
      return value;
    },
    provide: f => EditorView.decorations.from(f)
  });
  const listener = ViewPlugin.define(view => {
    let scheduled = false;
    const onChanged = (_: CellWarningsModel, ids: ReadonlySet<string>) => {
      if (!ids.has(cellId) || scheduled) {
        return;
      }
      // Never dispatch from inside another update: defer to a microtask.
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        if (view.dom.isConnected || view.state) {
          view.dispatch({ effects: refresh.of(null) });
        }
      });
    };
    model.changed.connect(onChanged);
    return { destroy: () => model.changed.disconnect(onChanged) };
  });
  return [field, listener];
}

namespace Private {
  /** Build the line highlights and markers for the warnings. */
  export function decorations(
    state: EditorState,
    warnings: ICellWarning[],
    dismiss: (warning: ICellWarning) => void
  ): DecorationSet {
    const byLine = new Map<number, ICellWarning[]>();
    const lines = state.doc.lines;
    for (const warning of warnings) {
      // A finding about the whole cell, or a line the user has since
      // deleted, is shown on the nearest line that exists.
      const line = Math.min(Math.max(warning.line ?? 1, 1), lines);
      byLine.set(line, [...(byLine.get(line) ?? []), warning]);
    }
    const builder = new RangeSetBuilder<Decoration>();
    for (const lineNo of [...byLine.keys()].sort((a, b) => a - b)) {
      const line = state.doc.line(lineNo);
      const list = byLine.get(lineNo)!;
      const error = list.some(w => w.severity === 'error');
      builder.add(
        line.from,
        line.from,
        Decoration.line({
          class: `${LINE_CLASS} ${error ? 'jp-mod-error' : 'jp-mod-warning'}`
        })
      );
      builder.add(
        line.to,
        line.to,
        Decoration.widget({
          widget: new MarkerWidget(list, lineNo, dismiss),
          block: true,
          side: 1
        })
      );
    }
    return builder.finish();
  }

  /** The marker under a warned line. Text only: never HTML. */
  export class MarkerWidget extends WidgetType {
    constructor(
      readonly warnings: ICellWarning[],
      readonly line: number,
      readonly dismiss: (warning: ICellWarning) => void
    ) {
      super();
    }

    eq(other: MarkerWidget): boolean {
      return (
        other.line === this.line &&
        signature(other.warnings) === signature(this.warnings)
      );
    }

    toDOM(): HTMLElement {
      const node = document.createElement('div');
      node.className = MARKER_CLASS;
      node.dataset.line = String(this.line);
      for (const warning of this.warnings) {
        const row = document.createElement('div');
        row.className = `${MARKER_CLASS}-item jp-mod-${warning.severity}`;
        row.dataset.code = warning.code;
        row.title = `${warning.evidence}\n\nFix: ${warning.fix}`;
        const code = document.createElement('span');
        code.className = `${MARKER_CLASS}-code`;
        code.textContent = warning.code;
        const title = document.createElement('span');
        title.className = `${MARKER_CLASS}-title`;
        title.textContent = warning.title;
        const evidence = document.createElement('span');
        evidence.className = `${MARKER_CLASS}-evidence`;
        evidence.textContent = warning.evidence.split('\n')[0];
        const close = document.createElement('button');
        close.className = `${MARKER_CLASS}-dismiss`;
        close.type = 'button';
        close.title = 'Dismiss this warning';
        close.setAttribute('aria-label', `Dismiss ${warning.code}`);
        close.textContent = '\u00d7';
        close.addEventListener('mousedown', event => event.preventDefault());
        close.addEventListener('click', event => {
          event.preventDefault();
          event.stopPropagation();
          this.dismiss(warning);
        });
        row.append(code, title, evidence, close);
        node.appendChild(row);
      }
      return node;
    }

    ignoreEvent(): boolean {
      return true;
    }
  }

  function signature(warnings: ICellWarning[]): string {
    return warnings.map(w => `${w.key}|${w.title}|${w.evidence}`).join('\n');
  }
}
