/**
 * TD308: the SDK talks to a backend other than the default Tinker service,
 * so availability findings concern that backend.
 */
import { makeFinding } from '../catalogue';
import { IDiagnosisInput, IFinding } from '../types';
import { displayUrl } from './serviceDecode';

/**
 * The SDK's built-in production URL (`DEFAULT_BASE_URL` in
 * `tinker/lib/base_url.py` of tinker 0.38.0). The SDK uses it when neither
 * `base_url=` nor a non-empty `TINKER_BASE_URL` is given, and drops a
 * trailing slash from whatever it uses.
 */
export const DEFAULT_BASE_URL =
  'https://tinker.thinkingmachines.dev/services/tinker-prod';

/** Whether a URL, as the SDK would resolve it, is the default one. */
export function isDefaultBaseUrl(url: string): boolean {
  return url.trim().replace(/\/+$/, '') === DEFAULT_BASE_URL;
}

/** TD308 from the environment, the SDK, the smoke test and cell sources. */
export function baseUrlFinding(input: IDiagnosisInput): IFinding | null {
  const lines: string[] = [];
  const facts = input.facts;
  const env = facts?.env?.TINKER_BASE_URL;
  if (typeof env === 'string' && env.trim() && env !== '<set>') {
    if (!isDefaultBaseUrl(env)) {
      lines.push(`TINKER_BASE_URL is ${displayUrl(env)}.`);
    }
  }
  if (facts?.sdk?.baseUrlIsDefault === false) {
    lines.push('The SDK reports a base URL other than the default.');
  }
  const smoke = facts?.checks?.smoke;
  if (smoke && typeof smoke === 'object') {
    const url = smoke.baseUrl;
    if (typeof url === 'string' && url.trim() && !isDefaultBaseUrl(url)) {
      lines.push(`The smoke test ran against ${displayUrl(url)}.`);
    } else if (smoke.baseUrlIsDefault === false) {
      lines.push('The smoke test ran against a non-default base URL.');
    }
  }
  const inCell = Private.sourceBaseUrl(input);
  if (inCell) {
    lines.push(
      `Cell ${inCell.cellIndex}, line ${inCell.line} passes ` +
        `base_url="${displayUrl(inCell.url)}".`
    );
  }
  if (!lines.length) {
    return null;
  }
  lines.push(`The default Tinker service is ${DEFAULT_BASE_URL}.`);
  return makeFinding('TD308', {
    evidence: lines.join('\n'),
    cellIndex: inCell?.cellIndex ?? null,
    cellId: inCell?.cellId ?? null,
    line: inCell?.line ?? null
  });
}

namespace Private {
  const BASE_URL_ARG = /\bbase_url\s*=\s*[rf]?(["'])([^"'\n]+)\1/;

  /** The first non-default `base_url="…"` literal in the code cells. */
  export function sourceBaseUrl(input: IDiagnosisInput): {
    url: string;
    cellIndex: number;
    cellId: string | null;
    line: number;
  } | null {
    for (const cell of input.notebook?.cells ?? []) {
      if (cell.cellType !== 'code') {
        continue;
      }
      const lines = cell.source.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const code = lines[i].split('#')[0];
        const match = BASE_URL_ARG.exec(code);
        if (match && !isDefaultBaseUrl(match[2])) {
          return {
            url: match[2],
            cellIndex: cell.index,
            cellId: cell.id,
            line: i + 1
          };
        }
      }
    }
    return null;
  }
}
