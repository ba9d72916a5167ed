/**
 * Renders a diagnosis as the panel's five triage paths: each path a
 * section with its actions and steps, each step with its status and
 * findings, each finding with code, severity, title, evidence, fix and a
 * link to its cell and line. All text goes in as text nodes.
 */
import { PATHS } from '../engine/catalogue';
import { IDiagnosis, IFinding, StepStatus } from '../engine/types';
import { button, el } from './dom';

/** An action button shown in a path's section (or beside one step). */
export interface ISectionAction {
  id: string;
  label: string;
  caption?: string;
  /** Whether the action is running (the button is disabled). */
  running: boolean;
  run(): void;
}

/** What the sections need besides the diagnosis. */
export interface ITriageViewOptions {
  /** Actions by triage path id. */
  actions: ReadonlyMap<string, ISectionAction[]>;
  /** Called when a finding's cell link is clicked. */
  jump(finding: IFinding): void;
  /** The notebook's cell ids in order, to label links by position. */
  cellIds: ReadonlyArray<string | null>;
}

/** Words for step statuses. */
const STATUS_TEXT: Record<StepStatus, string> = {
  passed: 'passed',
  warning: 'warning',
  failed: 'failed',
  'not-checked': 'not yet checked'
};

/** Symbols for step statuses (the word is shown too, for screen readers). */
const STATUS_MARK: Record<StepStatus, string> = {
  passed: '\u2713',
  warning: '!',
  failed: '\u2717',
  'not-checked': '\u2013'
};

/** Render the five paths of `diagnosis` (or empty steps when null). */
export function renderPaths(
  diagnosis: IDiagnosis | null,
  options: ITriageViewOptions
): HTMLElement {
  const root = el('div', 'jp-TinkerDoctor-paths');
  for (const path of PATHS) {
    const section = el('section', 'jp-TinkerDoctor-path');
    section.dataset.path = path.id;
    const header = el('div', 'jp-TinkerDoctor-pathHeader');
    header.appendChild(el('h3', 'jp-TinkerDoctor-pathTitle', path.label));
    for (const action of options.actions.get(path.id) ?? []) {
      const node = button(
        'jp-TinkerDoctor-action jp-mod-styled',
        action.running ? `${action.label}\u2026` : action.label,
        () => action.run(),
        action.caption
      );
      node.dataset.action = action.id;
      node.disabled = action.running;
      header.appendChild(node);
    }
    section.appendChild(header);
    const steps = (diagnosis?.steps ?? []).filter(s => s.path === path.id);
    const list = el('ul', 'jp-TinkerDoctor-steps');
    for (const step of steps) {
      const item = el('li', `jp-TinkerDoctor-step jp-mod-${step.status}`);
      item.dataset.step = step.id;
      item.dataset.status = step.status;
      const head = el('div', 'jp-TinkerDoctor-stepHeader');
      head.append(
        el('span', 'jp-TinkerDoctor-stepMark', STATUS_MARK[step.status]),
        el('span', 'jp-TinkerDoctor-stepLabel', step.label),
        el('span', 'jp-TinkerDoctor-stepStatus', STATUS_TEXT[step.status])
      );
      item.appendChild(head);
      for (const note of step.notes ?? []) {
        item.appendChild(el('div', 'jp-TinkerDoctor-stepNote', note));
      }
      for (const finding of step.findings) {
        item.appendChild(Private.finding(finding, options));
      }
      list.appendChild(item);
    }
    if (!diagnosis) {
      list.appendChild(el('li', 'jp-TinkerDoctor-empty', 'Not diagnosed yet.'));
    }
    section.appendChild(list);
    root.appendChild(section);
  }
  return root;
}

namespace Private {
  /** One finding. */
  export function finding(
    f: IFinding,
    options: ITriageViewOptions
  ): HTMLElement {
    const node = el('div', `jp-TinkerDoctor-finding jp-mod-${f.severity}`);
    node.dataset.code = f.code;
    const head = el('div', 'jp-TinkerDoctor-findingHeader');
    head.append(
      el('span', 'jp-TinkerDoctor-code', f.code),
      el('span', 'jp-TinkerDoctor-severity', f.severity),
      el('span', 'jp-TinkerDoctor-findingTitle', f.title)
    );
    node.appendChild(head);
    if (f.evidence) {
      node.appendChild(el('pre', 'jp-TinkerDoctor-evidence', f.evidence));
    }
    const fix = el('div', 'jp-TinkerDoctor-fix');
    fix.append(
      el('strong', undefined, 'Fix: '),
      document.createTextNode(f.fix)
    );
    node.appendChild(fix);
    const where = location(f, options.cellIds);
    if (where) {
      const link = button(
        'jp-TinkerDoctor-cellLink',
        where,
        () => options.jump(f),
        'Show this cell and line in the notebook'
      );
      node.appendChild(link);
    }
    return node;
  }

  /** "Cell 3, line 4" (1-based for people), or null. */
  function location(
    f: IFinding,
    cellIds: ReadonlyArray<string | null>
  ): string | null {
    let index = f.cellIndex;
    if (f.cellId) {
      const found = cellIds.indexOf(f.cellId);
      index = found >= 0 ? found : index;
    }
    if (index === null && !f.cellId) {
      return null;
    }
    const cell = index !== null ? `Cell ${index + 1}` : 'Cell';
    return f.line !== null ? `${cell}, line ${f.line}` : cell;
  }
}
