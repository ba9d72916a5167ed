/**
 * Find a cookbook run's folder (`log_path`) from a notebook: the
 * `Wrote metrics to …` log line in cell outputs (the real path the run
 * used), else a `log_path=...` in the cell source. Pure: no JupyterLab.
 */
import { INotebookInput } from '../../engine/types';

/** Metrics file name inside a run folder. */
export const METRICS_FILE = 'metrics.jsonl';

/** Trace file name inside a run folder. */
export const TRACE_FILE = 'trace_events.jsonl';

const WROTE = /Wrote metrics to\s+(\S+)/g;
const LOG_PATH = /["']?\blog_path["']?\s*[=:]\s*[rRuU]?(["'])([^"'\n{}]+)\1/g;

/** A place a run may have written to, and where it was seen. */
export interface IRunPathHint {
  /** As written (absolute, `~/…` or relative to the kernel's folder). */
  path: string;
  cellIndex: number;
  from: 'output' | 'source';
}

/**
 * Run paths mentioned in the notebook, most trustworthy first: log lines
 * (latest cell first), then sources (latest cell first). No duplicates.
 */
export function findRunPaths(notebook: INotebookInput): IRunPathHint[] {
  const outputs: IRunPathHint[] = [];
  const sources: IRunPathHint[] = [];
  for (const cell of notebook.cells) {
    if (cell.cellType !== 'code') {
      continue;
    }
    for (const out of cell.outputs) {
      for (const m of out.text.matchAll(WROTE)) {
        const path = m[1].replace(/[.,;:'")\]]+$/, '');
        outputs.push({ path, cellIndex: cell.index, from: 'output' });
      }
    }
    for (const m of cell.source.matchAll(LOG_PATH)) {
      sources.push({
        path: m[2].trim(),
        cellIndex: cell.index,
        from: 'source'
      });
    }
  }
  const seen = new Set<string>();
  return [...outputs.reverse(), ...sources.reverse()].filter(h => {
    if (seen.has(h.path)) {
      return false;
    }
    seen.add(h.path);
    return true;
  });
}

/** The metrics file for a folder or file path. */
export function metricsFileFor(path: string): string {
  return /\.jsonl?$/.test(path) ? path : joinPath(path, METRICS_FILE);
}

/** The trace file next to a metrics file (or in a folder). */
export function traceFileFor(path: string): string {
  const folder = /\.jsonl?$/.test(path) ? dirname(path) : path;
  return joinPath(folder, TRACE_FILE);
}

/**
 * A path the contents API understands (relative to the server root, no
 * leading slash) for a path written in the kernel.
 *
 * @param notebookDir the notebook's folder (the kernel's working folder),
 *   relative to the server root.
 * @param serverRoot the server's root folder on disk, when known.
 */
export function toContentsPath(
  path: string,
  notebookDir: string,
  serverRoot?: string | null
): string {
  let p = path.trim();
  if (serverRoot && p.startsWith(serverRoot.replace(/\/+$/, '') + '/')) {
    p = p.slice(serverRoot.replace(/\/+$/, '').length + 1);
  } else if (p.startsWith('~/')) {
    p = p.slice(2);
  } else if (p.startsWith('/')) {
    p = p.replace(/^\/+/, '');
  } else {
    p = joinPath(notebookDir, p);
  }
  return normalise(p);
}

/** Join two relative path parts with one slash. */
export function joinPath(a: string, b: string): string {
  if (!a) {
    return b;
  }
  return `${a.replace(/\/+$/, '')}/${b.replace(/^\/+/, '')}`;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') {
      continue;
    }
    if (part === '..') {
      out.pop();
    } else {
      out.push(part);
    }
  }
  return out.join('/');
}
