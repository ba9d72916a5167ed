/**
 * The doctor's output: text for people, or the stable JSON shape.
 */
import { PATHS } from '../engine/catalogue';
import { redactSecrets } from '../engine/redact';
import { IDiagnosis, IFinding } from '../engine/types';
import { terminalSafe } from './terminal';

/** One finding in the JSON output: exactly these keys. */
export interface IJsonFinding {
  code: string;
  severity: IFinding['severity'];
  path: IFinding['path'];
  title: string;
  cellIndex: number | null;
  line: number | null;
  evidence: string;
  fix: string;
}

/** The JSON output: `{"findings": [...]}`. */
export function toJson(diagnosis: IDiagnosis): string {
  const findings: IJsonFinding[] = diagnosis.findings.map(f => ({
    code: f.code,
    severity: f.severity,
    path: f.path,
    title: redactSecrets(f.title),
    cellIndex: f.cellIndex,
    line: f.line,
    evidence: redactSecrets(f.evidence),
    fix: redactSecrets(f.fix)
  }));
  return JSON.stringify({ findings }, null, 2) + '\n';
}

/**
 * Text for a terminal: findings grouped by triage path, each path followed
 * by its steps' notes (e.g. why a step was not checked), then the general
 * notes. Evidence may quote cell output, so control characters and secrets
 * are removed.
 */
export function toText(diagnosis: IDiagnosis, notebook: string): string {
  const out: string[] = [];
  const { findings } = diagnosis;
  const count = (s: string) => findings.filter(f => f.severity === s).length;
  out.push(
    `${Private.clean(notebook)}: ${Private.plural(findings.length, 'finding')}` +
      ` (${Private.plural(count('error'), 'error')}, ` +
      `${Private.plural(count('warning'), 'warning')}, ${count('info')} info)`
  );
  for (const path of PATHS) {
    const own = findings.filter(f => f.path === path.id);
    const steps = diagnosis.steps.filter(
      s => s.path === path.id && (s.notes ?? []).length > 0
    );
    if (own.length === 0 && steps.length === 0) {
      continue;
    }
    out.push('', path.label);
    for (const f of own) {
      out.push(
        `  [${f.severity}] ${f.code} ${Private.clean(f.title)}` +
          Private.where(f)
      );
      for (const line of Private.clean(f.evidence).split('\n')) {
        out.push(`      ${line}`);
      }
      out.push(`      Fix: ${Private.clean(f.fix)}`);
    }
    for (const step of steps) {
      for (const note of step.notes!) {
        out.push(`  Note (${step.label}): ${Private.clean(note)}`);
      }
    }
  }
  if (diagnosis.notes.length > 0) {
    out.push('', 'Notes');
    diagnosis.notes.forEach(n => out.push(`  - ${Private.clean(n)}`));
  }
  return out.join('\n') + '\n';
}

namespace Private {
  /** Text fit for a terminal: no secrets, no control characters. */
  export function clean(text: string): string {
    return terminalSafe(redactSecrets(text));
  }

  export function plural(n: number, word: string): string {
    return `${n} ${word}${n === 1 ? '' : 's'}`;
  }

  export function where(f: IFinding): string {
    if (f.cellIndex === null) {
      return '';
    }
    return f.line === null
      ? `  (cell ${f.cellIndex})`
      : `  (cell ${f.cellIndex}, line ${f.line})`;
  }
}
