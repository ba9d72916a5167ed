/**
 * The engine's vocabulary: what goes in (notebook, facts, metrics) and what
 * comes out (findings grouped into triage paths and steps).
 *
 * Nothing here imports JupyterLab, so the engine runs in jest, in the
 * command-line doctor and in the browser alike.
 */
import { IFacts } from './facts';

/** How bad a finding is (see TRIAGE.md, "Severity"). */
export type Severity = 'error' | 'warning' | 'info';

/** The five triage paths, in the order the panel shows them. */
export type TriagePath =
  'performance' | 'output-correctness' | 'service' | 'renderer' | 'errors';

/** One output of a code cell, flattened to text. Output text is untrusted. */
export interface ICellOutput {
  outputType: 'stream' | 'error' | 'execute_result' | 'display_data';
  /** Stream name (`stdout`, `stderr`) for stream outputs. */
  name?: string;
  /** Stream text, the `text/plain` data, or the joined traceback. */
  text: string;
  ename?: string;
  evalue?: string;
  /** Traceback lines with ANSI escapes removed. */
  traceback?: string[];
}

/** One cell of a notebook, live or saved. */
export interface ICell {
  /** 0-based index in the notebook, counting markdown cells. */
  index: number;
  /** The nbformat 4.5 cell id (the cell model id in JupyterLab). */
  id: string | null;
  cellType: 'code' | 'markdown' | 'raw';
  source: string;
  outputs: ICellOutput[];
  executionCount: number | null;
}

/** A notebook as the engine sees it. */
export interface INotebookInput {
  cells: ICell[];
  /** The kernel language when known (`python` for Python kernels). */
  language?: string | null;
}

/** One row of a cookbook `metrics.jsonl`. */
export type MetricsRow = Record<string, unknown>;

/** Metrics read from a run folder, with notes about lines that were skipped. */
export interface IMetricsInput {
  rows: MetricsRow[];
  notes: string[];
}

/** Everything the engine can be given. Every part is optional. */
export interface IDiagnosisInput {
  notebook?: INotebookInput;
  facts?: IFacts;
  metrics?: IMetricsInput;
}

/** A finding: one catalogue code with its evidence and location. */
export interface IFinding {
  /** Stable code from the catalogue, e.g. `TD101`. */
  code: string;
  severity: Severity;
  path: TriagePath;
  /** The step of the path the finding belongs to. */
  step: string;
  /** One line. */
  title: string;
  /** What was seen, in plain text (may hold several lines). */
  evidence: string;
  /** What to do. */
  fix: string;
  /** 0-based cell index, or null when not about a cell. */
  cellIndex: number | null;
  /** Cell id when known. */
  cellId: string | null;
  /** 1-based line within the cell, or null. */
  line: number | null;
}

/** What a rule module returns. */
export interface IRuleResult {
  findings: IFinding[];
  /** Steps this module could check with the input it was given. */
  checked: string[];
  /** Remarks for the user (assumptions made, inputs skipped). */
  notes?: string[];
  /**
   * Remarks about one step, by step id, shown with that step (e.g. why it
   * could not be checked). Optional; most modules give none.
   */
  stepNotes?: Record<string, string[]>;
}

/** A rule module: one role, a few related codes. */
export interface IRuleModule {
  /** A short name, for notes and tests. */
  name: string;
  /** Codes this module can emit; the case runner skips the others. */
  codes: string[];
  run(input: IDiagnosisInput): IRuleResult;
}

/** The status of one triage step. */
export type StepStatus = 'passed' | 'warning' | 'failed' | 'not-checked';

/** One step of a triage path with its findings. */
export interface IStepResult {
  path: TriagePath;
  id: string;
  label: string;
  status: StepStatus;
  findings: IFinding[];
  /** Remarks rule modules made about this step; absent when none. */
  notes?: string[];
}

/** The engine's whole answer. */
export interface IDiagnosis {
  findings: IFinding[];
  steps: IStepResult[];
  notes: string[];
}
