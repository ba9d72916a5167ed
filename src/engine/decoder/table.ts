/**
 * The decoder table: every message the product explains, as data.
 *
 * Rows live in three files by family (service and session messages; data,
 * renderer, version and checkpoint errors; request errors);
 * this module puts them in one list, in the order they are tried, and holds
 * the value extractors every message goes through.
 *
 * To add a row, append it to its family's list (no code changes), then give
 * it a realistic message and a near miss in tests/ts/decoderRows.spec.ts:
 * that test fails for a row without an example.
 */
import { DATA_ROWS } from './tableData';
import { ERROR_ROWS } from './tableErrors';
import { SERVICE_ROWS } from './tableService';
import { IDecoderRow } from './types';

/** Every decoder row. A message may match several rows (one per code). */
export const DECODER_TABLE: ReadonlyArray<IDecoderRow> = [
  ...SERVICE_ROWS,
  ...DATA_ROWS,
  ...ERROR_ROWS
];

/**
 * Values any message may carry, pulled out whichever row matched: request
 * and session ids, status codes, log ids, checkpoint paths, the expected
 * result type. A row's own groups win over these.
 */
export const COMMON_VALUES: ReadonlyArray<RegExp> = [
  /request_id=['"]?(?<request>[\w-]+)/,
  /\brequest (?<request>req[\w-]+)/,
  /(?:Error code:|\bstatus(?: code)?)\s*(?<status>\d{3})\b/,
  /\bLog ID: (?<logId>[\w-]+)/,
  /\b[Cc]heckpoint (?<checkpoint>[\w.:\/-]+) already exists/,
  /\bsession(?:_id)?[ =:]+['"]?(?<session>sess[\w-]*|[0-9a-f]{8}-[\w-]+)/,
  /(?<path>tinker:\/\/[^\s'")]+)/,
  /model_cls=(?:<class ')?(?<expectedType>[\w.]+)/,
  /\bbase_model=['"](?<model>[^'"]+)['"]/
];

/** The codes the table can report. */
export function tableCodes(): string[] {
  return Array.from(new Set(DECODER_TABLE.map(row => row.code)));
}
