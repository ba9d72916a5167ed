/**
 * The shape of the decoder table and of what decoding one message yields.
 *
 * A row is data: a pattern on the message text, optional conditions on the
 * context the message appeared in, and the words to show. Adding a row needs
 * no new code.
 */
import { Severity } from '../types';

/** Where a message came from: an exception, or a log or printed line. */
export type MessageSource = 'error' | 'log';

/**
 * How repeated matches of a row add up before it counts (TD307): the
 * matches are grouped by the value of one named group, and a group is
 * reported when it repeats often enough over a long enough time.
 */
export interface IRepeatRule {
  /** The named group whose value identifies the repeated thing. */
  key: string;
  /** Fewest repeats, when timestamps show the time span. */
  minCount: number;
  /** Shortest span between first and last repeat, in seconds. */
  minSpanSeconds: number;
  /** Fewest repeats when the lines carry no timestamps. */
  minCountWithoutTime: number;
}

/** One row of the decoder table. */
export interface IDecoderRow {
  /** Unique, stable id of the row (tests refer to it). */
  id: string;
  /** The catalogue code the row reports. */
  code: string;
  /** Which messages the row reads; both when omitted. */
  sources?: MessageSource[];
  /**
   * The pattern, searched in the message (`Type: text` for exceptions, one
   * line for logs). Named groups become the values shown as evidence.
   */
  pattern: RegExp;
  /**
   * At least one of these must match the context (the whole traceback or
   * stream text and the cell source). Their named groups are kept too.
   */
  requiresAny?: RegExp[];
  /** Every one of these must match the context (groups kept too). */
  requiresAll?: RegExp[];
  /** None of these may match the message. */
  forbidsAny?: RegExp[];
  /** A named group's value must be one of these (exact match). */
  groupIn?: Record<string, ReadonlyArray<string>>;
  /**
   * The cause in one line. `{name}` inserts a named group; a part in square
   * brackets is dropped when a group it names has no value.
   */
  cause: string;
  /** The fix (same template rules); the catalogue's fix when omitted. */
  fix?: string;
  /** Overrides the catalogue severity. */
  severity?: Severity;
  /**
   * The finding points at the first line of the cell source matching this,
   * when there is one, instead of the failing frame's line.
   */
  lineAt?: RegExp;
  /** Decode this named group's text as a message of its own as well. */
  decodeGroup?: string;
  /** The row counts only when repeated (see IRepeatRule). */
  repeat?: IRepeatRule;
  /**
   * The HTTP statuses the row is about (tested on the status as text).
   * When the message states statuses (`Error code: 402`) and none of them
   * passes, the row does not apply: the status the server sent wins over
   * the class name an SDK gave the error (a 402 raised as
   * `PermissionDeniedError` is a billing block, not a 403).
   */
  statuses?: RegExp;
  /**
   * Codes that take precedence: when a row of one of these codes matches
   * the same message, this row's match is dropped, so one error yields one
   * code (a "paused due to billing status" message is TD303 whatever
   * class carries it).
   */
  yieldsTo?: ReadonlyArray<string>;
}

/** One row that matched one message. */
export interface IRowMatch {
  row: IDecoderRow;
  /** Named-group values from the pattern and the context conditions. */
  values: Record<string, string>;
  /** The message that matched. */
  message: string;
}
