/**
 * Environment and versions (TD100–TD106): what is installed in the kernel's
 * interpreter, read from the facts' `packages` and `requirements`.
 *
 * Versions are compared as PEP 440. A version string that does not parse is
 * reported in the notes as unknown and its checks are skipped: never a
 * crash, never a finding built on a guess.
 */
import { makeFinding } from '../catalogue';
import { IFinding, IDiagnosisInput, IRuleModule, IRuleResult } from '../types';
import { compareVersions } from '../pep440';
import {
  isDeepSeekModel,
  isVisionLanguageModel,
  modelsInUse
} from './envModels';
import {
  IInstalled,
  installedPackages,
  requirementViolations,
  tinkerMissing
} from './envRequirements';

/**
 * The newest tinker SDK this product knows (PyPI, December 2026). An older
 * SDK gets TD106; bump this when the product is checked against a newer one.
 */
export const NEWEST_KNOWN_TINKER = '0.38.0';

/** The dependencies whose pre-releases TD102 reports. */
export const CORE_PACKAGES: ReadonlyArray<string> = [
  'tinker',
  'pydantic',
  'pydantic-core',
  'httpx',
  'transformers',
  'tokenizers',
  'torch',
  'numpy'
];

/** The environment rules. */
export const environmentRules: IRuleModule = {
  name: 'environment',
  codes: ['TD100', 'TD101', 'TD102', 'TD103', 'TD104', 'TD105', 'TD106'],
  run: (input: IDiagnosisInput): IRuleResult => {
    const facts = input.facts;
    if (!facts || !facts.packages || typeof facts.packages !== 'object') {
      return { findings: [], checked: [] };
    }
    const packages = installedPackages(facts.packages);
    if (!packages.size) {
      return {
        findings: [],
        checked: [],
        notes: ['The kernel reported no package versions.']
      };
    }
    const findings: IFinding[] = [];
    const notes: string[] = [];
    packages.forEach(pkg => {
      if (pkg.version !== null && !pkg.parsed && Private.watched(pkg.key)) {
        notes.push(
          `${pkg.name}: version unknown ("${pkg.version}" is not a PEP 440 ` +
            'version); its version checks were skipped.'
        );
      }
    });
    const tinker = packages.get('tinker');
    if (tinkerMissing(facts)) {
      findings.push(Private.notImportable(facts.python?.executable));
    }
    const pydantic = Private.td101(packages.get('pydantic'));
    if (pydantic) {
      findings.push(pydantic);
    }
    const pre = Private.td102(packages, pydantic !== null);
    if (pre) {
      findings.push(pre);
    }
    const transformers = packages.get('transformers');
    const models = modelsInUse(input);
    const td103 = Private.td103(transformers, models);
    if (td103) {
      findings.push(td103);
    }
    const td104 = Private.td104(transformers, models);
    if (td104) {
      findings.push(td104);
    }
    const checkedRequirements = requirementViolations(facts, packages);
    notes.push(...checkedRequirements.notes);
    const others = checkedRequirements.violations.filter(
      v => v.key !== 'tinker'
    );
    if (others.length) {
      findings.push(
        makeFinding('TD105', {
          evidence: others.map(v => v.text).join('\n'),
          title:
            others.length === 1
              ? `${others[0].name} ${others[0].version} violates ` +
                `${others[0].declarer}'s requirement ${others[0].specifier}`
              : `${others.length} installed packages violate declared ` +
                'requirements'
        })
      );
    }
    if (tinker && tinker.version !== null) {
      const td106 = Private.td106(
        tinker,
        checkedRequirements.violations.filter(v => v.key === 'tinker')
      );
      if (td106) {
        findings.push(td106);
      }
    }
    return { findings, checked: ['environment'], notes };
  }
};

namespace Private {
  /** Packages whose unparseable versions are worth a note. */
  export function watched(key: string): boolean {
    return CORE_PACKAGES.includes(key) || key === 'tinker-cookbook';
  }

  export function notImportable(executable: unknown): IFinding {
    const where =
      typeof executable === 'string' && executable ? ` (${executable})` : '';
    return makeFinding('TD100', {
      evidence:
        `The kernel's interpreter${where} has no tinker distribution ` +
        'installed. It may be installed in another environment. Checks ' +
        'that need the SDK were skipped; this is not a service outage.'
    });
  }

  /** pydantic ≥ 2.13.0b1 and < 2.13.0: the serialization regression. */
  export function td101(pkg: IInstalled | undefined): IFinding | null {
    if (!pkg?.parsed || pkg.version === null) {
      return null;
    }
    const low = compareVersions(pkg.version, '2.13.0b1');
    const high = compareVersions(pkg.version, '2.13.0');
    if (low === null || high === null || low < 0 || high >= 0) {
      return null;
    }
    return makeFinding('TD101', {
      evidence:
        `pydantic ${pkg.version} is a 2.13 pre-release. Its serialization ` +
        'regression can cost minutes of CPU per request on the SDK thread, ' +
        'which starves heartbeats and polling.'
    });
  }

  /** Pre-releases and dev builds of core dependencies, in one finding. */
  export function td102(
    packages: Map<string, IInstalled>,
    pydanticIsTd101: boolean
  ): IFinding | null {
    const lines: string[] = [];
    for (const key of CORE_PACKAGES) {
      const pkg = packages.get(key);
      if (!pkg?.parsed || !pkg.parsed.isPrerelease) {
        continue;
      }
      if (key === 'pydantic' && pydanticIsTd101) {
        continue;
      }
      const kind = pkg.parsed.isDevRelease ? 'a dev build' : 'a pre-release';
      lines.push(`${pkg.name} ${pkg.version} is ${kind}.`);
    }
    if (!lines.length) {
      return null;
    }
    return makeFinding('TD102', { evidence: lines.join('\n') });
  }

  /** transformers 5.3.0 (any build of it) and DeepSeek models. */
  export function td103(
    pkg: IInstalled | undefined,
    models: { name: string; where: string }[]
  ): IFinding | null {
    const release = pkg?.parsed ? trimmed(pkg.parsed.release) : null;
    if (!pkg || !release || pkg.parsed!.epoch !== 0) {
      return null;
    }
    if (release.join('.') !== '5.3') {
      return null;
    }
    const deepseek = unique(models.filter(m => isDeepSeekModel(m.name)));
    const evidence =
      `transformers ${pkg.version} has the DeepSeek V2/V3 tokenizer class ` +
      'regression (spaces dropped, load failures); 5.3.1 fixes it.';
    if (!deepseek.length) {
      return makeFinding('TD103', {
        evidence: evidence + ' No DeepSeek model was seen in use.'
      });
    }
    return makeFinding('TD103', {
      severity: 'error',
      evidence: evidence + `\nDeepSeek model in use: ${deepseek.join(', ')}.`
    });
  }

  /** transformers < 5 with a vision-language model in use. */
  export function td104(
    pkg: IInstalled | undefined,
    models: { name: string; where: string }[]
  ): IFinding | null {
    if (!pkg?.parsed || pkg.parsed.epoch !== 0) {
      return null;
    }
    // 5.0 pre-releases already carry the v5 image processors: by release.
    if ((pkg.parsed.release[0] ?? 0) >= 5) {
      return null;
    }
    const vl = unique(models.filter(m => isVisionLanguageModel(m.name)));
    if (!vl.length) {
      return null;
    }
    return makeFinding('TD104', {
      evidence:
        `transformers ${pkg.version} is older than 5.0 and a ` +
        `vision-language model is in use: ${vl.join(', ')}. Before 5.0 the ` +
        'Qwen2-VL image processor miscounts image tokens.'
    });
  }

  /** tinker older than the cookbook requires or than the newest known. */
  export function td106(
    tinker: IInstalled,
    declared: { specifier: string; declarer: string }[]
  ): IFinding | null {
    if (!tinker.parsed || tinker.version === null) {
      return null;
    }
    const reasons = declared.map(
      d => `${d.declarer} requires tinker ${d.specifier}.`
    );
    const order = compareVersions(tinker.version, NEWEST_KNOWN_TINKER);
    if (order !== null && order < 0) {
      reasons.push(
        `The newest SDK known to Tinker Doctor is ${NEWEST_KNOWN_TINKER}.`
      );
    }
    if (!reasons.length) {
      return null;
    }
    return makeFinding('TD106', {
      evidence: [`tinker ${tinker.version} is installed.`, ...reasons].join(
        '\n'
      )
    });
  }

  /** The release without trailing zeros (`5.3.0` and `5.3` are equal). */
  export function trimmed(release: number[]): number[] {
    const copy = release.slice();
    while (copy.length > 1 && copy[copy.length - 1] === 0) {
      copy.pop();
    }
    return copy;
  }

  export function unique(models: { name: string; where: string }[]): string[] {
    const byName = new Map<string, string>();
    models.forEach(m => {
      if (!byName.has(m.name)) {
        byName.set(m.name, `${m.name} (${m.where})`);
      }
    });
    return Array.from(byName.values());
  }
}
