/**
 * The incremental entry point of the loop-shape analysis. Cell summaries
 * (the parse, the expensive part) are cached by source text, so editing one
 * cell re-reads one cell; the cross-cell pass over summaries is linear and
 * cheap. `analyseAsync` reads uncached cells in time slices so that a large
 * notebook never blocks the UI for long.
 */
import { IFacts } from '../facts';
import { IFinding } from '../types';
import { blockingFindings } from './blockingRules';
import { deprecationFindings } from './deprecationRules';
import { loopFindings } from './loopRules';
import { IProgramCell, Program } from './program';
import {
  baseMethod,
  isDeprecatedAsync,
  ISdkStyle,
  SAMPLING_CREATORS,
  STEP_METHODS,
  styleFromFacts,
  TRAINING_CREATORS
} from './sdk';
import { sessionFindings } from './sessionRules';
import { ICellSummary, summarize, summarizeAsync } from './summary';

/** The part of a cell the analysis reads. */
export interface IAnalysisCell {
  index: number;
  id: string | null;
  cellType: 'code' | 'markdown' | 'raw';
  source: string;
}

/** Options of `analyseAsync`. */
export interface IAsyncOptions {
  /** Longest stretch of parsing between two yields, in milliseconds. */
  sliceMs?: number;
}

/** Loop-shape analysis with a per-cell cache. */
export class LoopShapeAnalyzer {
  private cache = new Map<string, ICellSummary>();

  /** How many cell summaries are cached. */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** The summary of one cell's source, from the cache when it is there. */
  summaryOf(source: string): ICellSummary {
    let summary = this.cache.get(source);
    if (!summary) {
      summary = summarize(source);
      this.cache.set(source, summary);
    }
    return summary;
  }

  /** Analyse a notebook at once. */
  analyse(cells: IAnalysisCell[], facts?: IFacts): IFinding[] {
    const code = cells.filter(c => c.cellType === 'code');
    const program = this.program(
      code.map(c => ({
        index: c.index,
        id: c.id,
        summary: this.summaryOf(c.source)
      })),
      facts
    );
    this.prune(code);
    return Private.findings(program, facts);
  }

  /**
   * Analyse a notebook, yielding to the event loop between slices of
   * parsing. Cached cells cost nothing; the result equals `analyse`.
   */
  async analyseAsync(
    cells: IAnalysisCell[],
    facts?: IFacts,
    options: IAsyncOptions = {}
  ): Promise<IFinding[]> {
    const sliceMs = options.sliceMs ?? 10;
    let sliceStart = Date.now();
    for (const cell of cells) {
      if (cell.cellType !== 'code' || this.cache.has(cell.source)) {
        continue;
      }
      if (cell.source.length > Private.LARGE_CELL) {
        const summary = await summarizeAsync(cell.source, sliceMs);
        this.cache.set(cell.source, summary);
        sliceStart = Date.now();
        continue;
      }
      this.summaryOf(cell.source);
      if (Date.now() - sliceStart >= sliceMs) {
        await new Promise(resolve => setTimeout(resolve, 0));
        sliceStart = Date.now();
      }
    }
    return this.analyse(cells, facts);
  }

  private program(cells: IProgramCell[], facts?: IFacts): Program {
    const style = styleFromFacts(facts) ?? Private.styleFromCode(cells);
    const clients = Array.isArray(facts?.clients) ? facts!.clients : [];
    return new Program(cells, style, clients);
  }

  /** Forget summaries of sources that are no longer in the notebook. */
  private prune(cells: IAnalysisCell[]): void {
    if (this.cache.size <= 2 * cells.length + 64) {
      return;
    }
    const keep = new Set(cells.map(c => c.source));
    for (const source of [...this.cache.keys()]) {
      if (!keep.has(source)) {
        this.cache.delete(source);
      }
    }
  }
}

namespace Private {
  /** Cells longer than this (characters) are parsed in steps. */
  export const LARGE_CELL = 20000;

  /** Infer the SDK style from the code when the facts do not say. */
  export function styleFromCode(cells: IProgramCell[]): ISdkStyle {
    let awaitsPlain = false;
    for (const cell of cells) {
      for (const op of cell.summary.ops) {
        const base = baseMethod(op.method);
        const tinker =
          STEP_METHODS.has(base) ||
          TRAINING_CREATORS.has(base) ||
          SAMPLING_CREATORS.has(base);
        if (tinker && isDeprecatedAsync(op.method)) {
          return { style: 'old', source: 'code', version: null };
        }
        if (tinker && op.awaited) {
          awaitsPlain = true;
        }
      }
    }
    return {
      style: 'new',
      source: awaitsPlain ? 'code' : 'default',
      version: null
    };
  }

  /** Every loop-shape finding, one per code, cell and line. */
  export function findings(program: Program, facts?: IFacts): IFinding[] {
    const all = [
      ...deprecationFindings(program),
      ...loopFindings(program),
      ...blockingFindings(program),
      ...sessionFindings(program, facts)
    ];
    const seen = new Set<string>();
    return all.filter(f => {
      const key = `${f.code}|${f.cellIndex ?? f.cellId}|${f.line}`;
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    });
  }
}
