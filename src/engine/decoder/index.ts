/**
 * The error decoder as a rule module: every code cell's error outputs and
 * stream lines, decoded with the table, become findings that point at the
 * cell and the line of the failing call.
 */
import { makeFinding } from '../catalogue';
import { ICell, IDiagnosisInput, IFinding, IRuleModule } from '../types';
import { decodeCell, IDecoded } from './decode';
import { tableCodes } from './table';

export { decodeCell, IDecoded } from './decode';
export { DECODER_TABLE, tableCodes } from './table';
export { matchMessage, fillTemplate, redact } from './match';
export { IDecoderRow, IRowMatch } from './types';

/** Decode one cell into findings, one per code. */
export function decodeCellFindings(cell: ICell): IFinding[] {
  if (cell.cellType !== 'code') {
    return [];
  }
  return Private.toFindings(cell, decodeCell(cell));
}

/** The decoder's rule module (TD121, TD301–TD307, TD405, TD406, TD5xx). */
export const decoderRules: IRuleModule = {
  name: 'decoder',
  codes: tableCodes(),
  run: (input: IDiagnosisInput) => {
    const notebook = input.notebook;
    if (!notebook) {
      return { findings: [], checked: [] };
    }
    const findings: IFinding[] = [];
    for (const cell of notebook.cells) {
      findings.push(...decodeCellFindings(cell));
    }
    return { findings, checked: ['decode'] };
  }
};

namespace Private {
  /**
   * Merge what one cell decoded into one finding per code: the line is the
   * first known one, the evidence lists the distinct messages.
   */
  export function toFindings(cell: ICell, decoded: IDecoded[]): IFinding[] {
    const byCode = new Map<string, IDecoded[]>();
    for (const d of decoded) {
      byCode.set(d.code, [...(byCode.get(d.code) ?? []), d]);
    }
    const findings: IFinding[] = [];
    for (const [code, all] of byCode) {
      const lead = all.find(d => d.line !== null) ?? all[0];
      findings.push(
        makeFinding(code, {
          title: lead.cause,
          fix: lead.fix,
          severity: lead.severity,
          evidence: evidence(all),
          cellIndex: cell.index,
          cellId: cell.id,
          line: lead.line
        })
      );
    }
    return findings;
  }

  /** The evidence text: messages seen, values pulled out, how decoded. */
  function evidence(all: IDecoded[]): string {
    const messages = Array.from(new Set(all.map(d => d.message)));
    const lines = messages.slice(0, 3).map(m => `Message: ${m}`);
    if (messages.length > 3) {
      lines.push(`… and ${messages.length - 3} more messages`);
    }
    const values: Record<string, string> = {};
    all.forEach(d => Object.assign(values, { ...d.values, ...values }));
    const pairs = Object.entries(values).map(([k, v]) => `${k}=${v}`);
    if (pairs.length > 0) {
      lines.push(`Values: ${pairs.join(', ')}`);
    }
    const via = all.find(d => d.via)?.via;
    if (via) {
      lines.push(`Decoded from ${via}.`);
    }
    return lines.join('\n');
  }
}
