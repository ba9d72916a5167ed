/**
 * The engine's entry point: run every rule module over the input and group
 * the findings into the triage paths and steps the panel shows.
 */
import { PATHS, STEPS } from './catalogue';
import {
  IDiagnosis,
  IDiagnosisInput,
  IFinding,
  IRuleModule,
  IStepResult,
  StepStatus
} from './types';
import { environmentRules } from './rules/environment';
import { liveRules } from './rules/live';
import { serviceRules } from './rules/service';
import { rendererRules } from './rules/renderer';
import { loopShapeRules } from './analysis';
import { decoderRules } from './decoder';
import { timingRules } from './timing';
import { correctnessRules } from './correctness';
import { redactSecrets } from './redact';

/** Every rule module, in the order their findings are listed. */
export const RULE_MODULES: ReadonlyArray<IRuleModule> = [
  environmentRules,
  loopShapeRules,
  liveRules,
  timingRules,
  correctnessRules,
  serviceRules,
  rendererRules,
  decoderRules
];

/** The codes some rule module can emit. */
export function implementedCodes(): Set<string> {
  const codes = new Set<string>();
  for (const module of RULE_MODULES) {
    module.codes.forEach(code => codes.add(code));
  }
  return codes;
}

/**
 * Diagnose: facts, notebook and metrics in, findings and step statuses out.
 *
 * A module that throws is reported in the notes and its steps stay "not
 * checked": one broken rule must not hide the others' findings.
 */
export function diagnose(input: IDiagnosisInput): IDiagnosis {
  const findings: IFinding[] = [];
  const checked = new Set<string>();
  const notes: string[] = [];
  const stepNotes = new Map<string, string[]>();
  for (const module of RULE_MODULES) {
    try {
      const result = module.run(input);
      findings.push(...result.findings);
      result.checked.forEach(step => checked.add(step));
      notes.push(...(result.notes ?? []));
      for (const [step, said] of Object.entries(result.stepNotes ?? {})) {
        stepNotes.set(step, [...(stepNotes.get(step) ?? []), ...said]);
      }
    } catch (error) {
      notes.push(`The ${module.name} checks failed: ${String(error)}`);
    }
  }
  // Evidence quotes outputs, logs and environment values: whatever a rule
  // missed, no key or token leaves the engine.
  const unique = Private.dedupe(findings).map(f => ({
    ...f,
    title: redactSecrets(f.title),
    evidence: redactSecrets(f.evidence),
    fix: redactSecrets(f.fix)
  }));
  const steps: IStepResult[] = STEPS.map(step => {
    const own = unique.filter(f => f.path === step.path && f.step === step.id);
    const said = stepNotes.get(step.id) ?? [];
    return {
      path: step.path,
      id: step.id,
      label: step.label,
      status: Private.status(own, checked.has(step.id) || own.length > 0),
      findings: own,
      ...(said.length > 0 ? { notes: said.map(redactSecrets) } : {})
    };
  });
  const order = PATHS.map(p => p.id);
  unique.sort((a, b) => order.indexOf(a.path) - order.indexOf(b.path));
  return { findings: unique, steps, notes: notes.map(redactSecrets) };
}

namespace Private {
  /** Keep the first of findings that share code, cell and line. */
  export function dedupe(findings: IFinding[]): IFinding[] {
    const seen = new Set<string>();
    return findings.filter(f => {
      const key = `${f.code}|${f.cellIndex ?? f.cellId}|${f.line}`;
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    });
  }

  /** A step fails on an error, warns on a warning, else passes if checked. */
  export function status(findings: IFinding[], checked: boolean): StepStatus {
    if (findings.some(f => f.severity === 'error')) {
      return 'failed';
    }
    if (findings.some(f => f.severity === 'warning')) {
      return 'warning';
    }
    return checked ? 'passed' : 'not-checked';
  }
}
