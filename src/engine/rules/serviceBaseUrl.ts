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
      `Cell ${inCell.cellIndex}, line ${inCell.line} ` +
        (inCell.how === 'argument'
          ? `passes base_url="${displayUrl(inCell.url)}".`
          : `sets TINKER_BASE_URL to ${displayUrl(inCell.url)}.`)
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
  /** A quoted string literal; group `q` is the quote, `v` the value. */
  const STR = `[rRuU]?(?<q>["'])(?<v>[^"'\\n]*)\\k<q>`;
  const NAME = `(["'])TINKER_BASE_URL\\1`;

  /** Where cell code chooses the base URL, with the value in group `v`. */
  const SETTERS: ReadonlyArray<{ re: RegExp; how: UrlSource }> = [
    { re: new RegExp(`\\bbase_url\\s*=\\s*[f]?${STR}`), how: 'argument' },
    // os.environ['TINKER_BASE_URL'] = '…'
    {
      re: new RegExp(`\\benviron\\s*\\[\\s*${NAME}\\s*\\]\\s*=(?!=)\\s*${STR}`),
      how: 'environment'
    },
    // os.environ.setdefault('TINKER_BASE_URL', '…'), os.putenv(…)
    {
      re: new RegExp(
        `\\b(?:setdefault|putenv)\\s*\\(\\s*${NAME}\\s*,\\s*${STR}`
      ),
      how: 'environment'
    },
    // os.environ.update({'TINKER_BASE_URL': '…'}) or (TINKER_BASE_URL='…')
    {
      re: new RegExp(`${NAME}\\s*:\\s*${STR}`),
      how: 'environment'
    },
    {
      re: new RegExp(`\\bupdate\\s*\\(.*\\bTINKER_BASE_URL\\s*=\\s*${STR}`),
      how: 'environment'
    },
    // %env TINKER_BASE_URL=… / %env TINKER_BASE_URL … / %set_env …
    {
      re: new RegExp(
        '^\\s*%(?:set_)?env\\s+TINKER_BASE_URL(?:\\s*=\\s*|\\s+)' +
          `(?<q>["']?)(?<v>[^\\s"']+)\\k<q>`
      ),
      how: 'environment'
    }
  ];

  /** How cell code chose the URL. */
  export type UrlSource = 'argument' | 'environment';

  /** The first non-default base URL the code cells pass or set. */
  export function sourceBaseUrl(input: IDiagnosisInput): {
    url: string;
    how: UrlSource;
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
        const code = lines[i].replace(/(^|\s)#.*$/, '');
        for (const setter of SETTERS) {
          const url = setter.re.exec(code)?.groups?.v?.trim();
          if (url && !isDefaultBaseUrl(url)) {
            return {
              url,
              how: setter.how,
              cellIndex: cell.index,
              cellId: cell.id,
              line: i + 1
            };
          }
        }
      }
    }
    return null;
  }
}
