/**
 * Split stream text (stderr logs, printed warnings) into the lines the
 * decoder reads, with the time a line carries when it has one.
 */
import { seq } from './regex';

/** One line of stream text. */
export interface ILogLine {
  text: string;
  /** Seconds (any fixed origin) from a leading timestamp, or null. */
  time: number | null;
}

/** `2025-11-27 14:02:05`, `2025-11-27T14:02:05.123Z`, `[14:02:05]`. */
const DATE_TIME = seq(
  /^\[?(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})/,
  /[ T](?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2}(?:[.,]\d+)?)/
);
const TIME_ONLY = /^\[?(?<h>\d{2}):(?<mi>\d{2}):(?<s>\d{2}(?:[.,]\d+)?)\b/;

/**
 * The lines worth decoding: indented lines are skipped, since in stream
 * text they are traceback frames and source excerpts, not messages.
 */
export function splitLogLines(text: string): ILogLine[] {
  const lines: ILogLine[] = [];
  for (const raw of text.split(/\r?\n|\r/)) {
    if (raw.trim() === '' || /^\s/.test(raw)) {
      continue;
    }
    lines.push({ text: raw, time: Private.timeOf(raw) });
  }
  return lines;
}

/** Format a span of seconds as `9 min 12 s` or `45 s`. */
export function formatSpan(seconds: number): string {
  const total = Math.round(seconds);
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  return minutes > 0 ? `${minutes} min ${rest} s` : `${rest} s`;
}

namespace Private {
  /** The time of a leading timestamp, in seconds. */
  export function timeOf(line: string): number | null {
    const full = DATE_TIME.exec(line);
    if (full) {
      const g = full.groups!;
      const ms = Date.UTC(
        Number(g.y),
        Number(g.mo) - 1,
        Number(g.d),
        Number(g.h),
        Number(g.mi)
      );
      return ms / 1000 + Number(g.s.replace(',', '.'));
    }
    const time = TIME_ONLY.exec(line);
    if (time) {
      const g = time.groups!;
      return (
        Number(g.h) * 3600 + Number(g.mi) * 60 + Number(g.s.replace(',', '.'))
      );
    }
    return null;
  }
}
