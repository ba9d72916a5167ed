import {
  compareVersions,
  isDevRelease,
  isPrerelease,
  isValidSpecifier,
  normalizeName,
  parseRequirement,
  parseVersion,
  satisfiesSpecifier
} from '../../src/engine/pep440';
import {
  evaluateMarker,
  mentionsExtra
} from '../../src/engine/rules/envMarkers';

describe('parseVersion', () => {
  it.each([
    ['2.13.0b1', { pre: ['b', 1], isPrerelease: true, isDevRelease: false }],
    ['2.13.0rc1', { pre: ['rc', 1], isPrerelease: true, isDevRelease: false }],
    ['5.3.0.dev0', { dev: 0, isPrerelease: true, isDevRelease: true }],
    ['2.8.0+cu128', { local: 'cu128', isPrerelease: false }],
    ['4.57.6.post1', { post: 1, isPrerelease: false, isPostRelease: true }]
  ])('parses %s', (text, expected) => {
    expect(parseVersion(text)).toMatchObject(expected);
  });

  it('keeps the release segment', () => {
    expect(parseVersion('2.8.0+cu128')?.release).toEqual([2, 8, 0]);
    expect(parseVersion('1!2.0')?.epoch).toBe(1);
  });

  it.each(['garbage', '', '   ', 'latest', '1.0.0-beta+', null, undefined])(
    'returns null for %p instead of throwing',
    text => {
      expect(parseVersion(text as string | null | undefined)).toBeNull();
    }
  );
});

describe('compareVersions', () => {
  it('orders dev < pre < final < post as PEP 440 does', () => {
    expect(compareVersions('5.3.0.dev0', '5.3.0rc1')).toBeLessThan(0);
    expect(compareVersions('5.3.0rc1', '5.3.0')).toBeLessThan(0);
    expect(compareVersions('5.3.0', '5.3.0.post1')).toBeLessThan(0);
    expect(compareVersions('2.13.0a1', '2.13.0b1')).toBeLessThan(0);
  });

  it('ignores trailing zeros; sorts local labels last', () => {
    expect(compareVersions('5.3', '5.3.0')).toBe(0);
    expect(compareVersions('2.8.0+cu128', '2.8.0')).toBeGreaterThan(0);
  });

  it('returns null when either side is garbage', () => {
    expect(compareVersions('garbage', '1.0')).toBeNull();
    expect(compareVersions('1.0', 'garbage')).toBeNull();
  });
});

describe('isPrerelease and isDevRelease', () => {
  it('tells pre-releases, dev builds and finals apart', () => {
    expect(isPrerelease('2.13.0b1')).toBe(true);
    expect(isPrerelease('5.3.0.dev0')).toBe(true);
    expect(isDevRelease('5.3.0.dev0')).toBe(true);
    expect(isDevRelease('2.13.0rc1')).toBe(false);
    expect(isPrerelease('4.57.6.post1')).toBe(false);
    expect(isPrerelease('2.8.0+cu128')).toBe(false);
  });

  it('reports unknown (null) for garbage', () => {
    expect(isPrerelease('not-a-version')).toBeNull();
    expect(isDevRelease('not-a-version')).toBeNull();
  });
});

describe('satisfiesSpecifier', () => {
  const cookbook = '!=5.4.*,!=5.5.0,<=5.5.4,>=4.57.6';

  it('applies exclusions, wildcards and bounds', () => {
    expect(satisfiesSpecifier('5.4.1', cookbook)).toBe(false);
    expect(satisfiesSpecifier('5.4.0rc1', cookbook)).toBe(false);
    expect(satisfiesSpecifier('5.5.0', cookbook)).toBe(false);
    expect(satisfiesSpecifier('5.5.4', cookbook)).toBe(true);
    expect(satisfiesSpecifier('5.5.5', cookbook)).toBe(false);
    expect(satisfiesSpecifier('4.57.6', cookbook)).toBe(true);
    expect(satisfiesSpecifier('4.57.5', cookbook)).toBe(false);
    expect(satisfiesSpecifier('5.3.0', cookbook)).toBe(true);
  });

  it('admits installed pre-releases inside the range', () => {
    expect(satisfiesSpecifier('2.13.0b1', '<3,>=1.9.0')).toBe(true);
    expect(satisfiesSpecifier('5.3.0.dev0', '>=4.57.6')).toBe(true);
  });

  it('keeps PEP 440 exclusive ordering for pre-releases of the bound', () => {
    expect(satisfiesSpecifier('2.13.0b1', '<2.13')).toBe(false);
  });

  it('matches local and post releases as pip does', () => {
    expect(satisfiesSpecifier('2.9.1+cu126', '==2.9.1')).toBe(true);
    expect(satisfiesSpecifier('4.57.6.post2', '>=4.57.6')).toBe(true);
    expect(satisfiesSpecifier('1.0', '~=0.9')).toBe(false);
  });

  it('treats an empty specifier as any version', () => {
    expect(satisfiesSpecifier('1.0', '')).toBe(true);
  });

  it('returns null for garbage on either side', () => {
    expect(satisfiesSpecifier('garbage', '>=1')).toBeNull();
    expect(satisfiesSpecifier('1.0', 'garbage')).toBeNull();
    expect(isValidSpecifier('>=1,<2')).toBe(true);
    expect(isValidSpecifier('>>1')).toBe(false);
  });
});

describe('parseRequirement', () => {
  it('reads a specifier with exclusions', () => {
    const req = parseRequirement(
      'transformers!=5.4.*,!=5.5.0,<=5.5.4,>=4.57.6'
    );
    expect(req).toMatchObject({
      name: 'transformers',
      key: 'transformers',
      extras: [],
      specifier: '!=5.4.*,!=5.5.0,<=5.5.4,>=4.57.6',
      marker: null
    });
  });

  it('reads extras', () => {
    expect(parseRequirement('httpx[http2]<1,>=0.23.0')).toMatchObject({
      name: 'httpx',
      extras: ['http2'],
      specifier: '<1,>=0.23.0'
    });
  });

  it('reads a marker and no specifier', () => {
    expect(parseRequirement('torch; extra == "torch"')).toMatchObject({
      name: 'torch',
      specifier: '',
      marker: 'extra == "torch"'
    });
  });

  it('reads the parenthesised form', () => {
    expect(parseRequirement('foo (>=1.0)')).toMatchObject({
      name: 'foo',
      specifier: '>=1.0'
    });
  });

  it('reads a direct reference', () => {
    const req = parseRequirement(
      'pkg @ https://example.invalid/pkg.whl ; python_version >= "3.9"'
    );
    expect(req).toMatchObject({
      name: 'pkg',
      url: 'https://example.invalid/pkg.whl',
      specifier: '',
      marker: 'python_version >= "3.9"'
    });
  });

  it('normalizes names as PEP 503 does', () => {
    expect(normalizeName('Typing_Extensions')).toBe('typing-extensions');
    expect(parseRequirement('Pydantic.Core>=2')?.key).toBe('pydantic-core');
  });

  it.each(['', '>=1.0', 'foo >>> 1', 'foo (>=1.0'])(
    'returns null for %p',
    text => {
      expect(parseRequirement(text)).toBeNull();
    }
  );
});

describe('environment markers', () => {
  const env = { python_version: '3.12', python_full_version: '3.12.3' };

  it('compares python_version as a version, not a string', () => {
    expect(evaluateMarker('python_version < "3.9"', env).value).toBe(false);
    expect(evaluateMarker('python_version >= "3.10"', env).value).toBe(true);
    expect(evaluateMarker('python_full_version == "3.12.3"', env).value).toBe(
      true
    );
  });

  it('combines with and, or and parentheses', () => {
    expect(
      evaluateMarker(
        'python_version < "3.9" or (python_version >= "3.12" and ' +
          'python_version < "3.13")',
        env
      ).value
    ).toBe(true);
  });

  it('is unknown when a needed variable is not given, naming it', () => {
    const result = evaluateMarker('sys_platform == "linux"', env);
    expect(result.value).toBeNull();
    expect(result.reason).toMatch(/sys_platform/);
  });

  it('decides without the unknown variable when it does not matter', () => {
    expect(
      evaluateMarker('python_version < "3.9" and sys_platform == "win32"', env)
        .value
    ).toBe(false);
  });

  it('reports an unreadable marker instead of throwing', () => {
    expect(evaluateMarker('python_version <', env).value).toBeNull();
    expect(evaluateMarker('((', env).value).toBeNull();
    expect(evaluateMarker('python_version $ "3"', env).value).toBeNull();
  });

  it('spots extra-only markers', () => {
    expect(mentionsExtra('extra == "torch"')).toBe(true);
    expect(mentionsExtra('python_version < "3.9"')).toBe(false);
  });
});
