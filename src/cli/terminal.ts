/**
 * Making untrusted text safe to print on a terminal.
 */

/**
 * Remove what a terminal would act on instead of showing: escape sequences
 * (CSI `ESC [ …`, OSC `ESC ] … BEL/ST` such as hyperlinks, other `ESC x`),
 * C0 and C1 control characters except newline and tab, and bidi controls
 * (U+202A–U+202E, U+2066–U+2069) that reorder what is shown.
 */
export function terminalSafe(text: string): string {
  return String(text)
    .replace(Private.OSC, '')
    .replace(Private.STRING_SEQ, '')
    .replace(Private.CSI, '')
    .replace(Private.ESC_PAIR, '')
    .replace(Private.CONTROL, '')
    .replace(Private.BIDI, '');
}

namespace Private {
  /** OSC: ESC ] (or C1 0x9d) … BEL or ST (ESC \ or 0x9c), or the end. */
  export const OSC =
    // eslint-disable-next-line no-control-regex
    /(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;

  /** DCS, SOS, PM, APC strings: ESC P/X/^/_ … ST. */
  export const STRING_SEQ = new RegExp(
    '(?:\\u001b[PX^_]|[\\u0090\\u0098\\u009e\\u009f])' +
      '[^\\u001b\\u009c]*(?:\\u001b\\\\|\\u009c)?',
    'g'
  );

  /** CSI: ESC [ (or C1 0x9b), parameters, intermediates, a final byte. */
  // eslint-disable-next-line no-control-regex
  export const CSI = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?/g;

  /** Any other two- or three-byte escape. */
  // eslint-disable-next-line no-control-regex
  export const ESC_PAIR = /\u001b[ -/]*[0-~]?/g;

  /** C0 (but tab and newline), DEL and C1 controls. */
  // eslint-disable-next-line no-control-regex
  export const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

  /** Bidi embeddings, overrides and isolates. */
  export const BIDI = /[\u202a-\u202e\u2066-\u2069]/g;
}
