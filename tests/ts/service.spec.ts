import { IFacts, ISmokeCheck } from '../../src/engine/facts';
import { serviceRules } from '../../src/engine/rules/service';
import { DEFAULT_BASE_URL } from '../../src/engine/rules/serviceBaseUrl';
import {
  classifyServiceError,
  redact
} from '../../src/engine/rules/serviceDecode';
import { IDiagnosisInput, INotebookInput } from '../../src/engine/types';

function facts(extra: Partial<IFacts> = {}): IFacts {
  return {
    schema: 'tinker-doctor/facts@1',
    packages: { tinker: '0.38.0' },
    sdk: { imported: true, threadAlive: true, loopRunning: true },
    ...extra
  };
}

function smoke(result: ISmokeCheck): IFacts {
  return facts({ checks: { smoke: result } });
}

const OK: ISmokeCheck = {
  reachable: true,
  roundTripMs: 180,
  models: 42,
  error: null
};

function notebook(...sources: string[]): INotebookInput {
  return {
    cells: sources.map((source, index) => ({
      index,
      id: `c${index}`,
      cellType: 'code' as const,
      source,
      outputs: [],
      executionCount: null
    }))
  };
}

function run(input: IDiagnosisInput) {
  return serviceRules.run(input);
}

function codes(input: IDiagnosisInput): string[] {
  return run(input)
    .findings.map(f => f.code)
    .sort();
}

describe('service rules', () => {
  describe('TD300', () => {
    it('reports a good smoke test: round trip, models', () => {
      const result = run({ facts: smoke(OK) });
      expect(result.findings).toHaveLength(1);
      const [f] = result.findings;
      expect(f).toMatchObject({ code: 'TD300', severity: 'info' });
      expect(f.evidence).toMatch(/0\.18 s/);
      expect(f.evidence).toMatch(/42 models/);
      expect(result.checked).toEqual(['smoke', 'status']);
    });

    it('warns over 2 s and not at 2 s', () => {
      const [slow] = run({
        facts: smoke({ ...OK, roundTripMs: 2001 })
      }).findings;
      expect(slow.severity).toBe('warning');
      expect(slow.evidence).toMatch(/network/);
      const [edge] = run({
        facts: smoke({ ...OK, roundTripMs: 2000 })
      }).findings;
      expect(edge.severity).toBe('info');
    });

    it('is absent without a smoke result', () => {
      const result = run({ facts: facts() });
      expect(result.findings).toEqual([]);
      expect(result.checked).toEqual([]);
    });

    it('describes the creation result', () => {
      const [f] = run({
        facts: smoke({
          ...OK,
          creation: {
            attempted: true,
            ok: true,
            seconds: 3.2,
            timedOut: false,
            error: null
          }
        })
      }).findings;
      expect(f.evidence).toMatch(/created in 3\.2 s/);
    });
  });

  describe('decoding a failing smoke test', () => {
    it.each([
      ['APIConnectionError: Connection error.', 'TD301'],
      ['ConnectError: [Errno 111] Connection refused', 'TD301'],
      ['APITimeoutError: Request timed out.', 'TD302'],
      [
        "APIStatusError: Error code: 402 - {'detail': 'paused: billing'}",
        'TD303'
      ],
      ['RateLimitError: Error code: 429 - Too Many Requests', 'TD304'],
      ['InternalServerError: Error code: 500', 'TD305'],
      ['APIStatusError: 503 Service Unavailable', 'TD305']
    ])('%s → %s', (error, code) => {
      expect(
        codes({
          facts: smoke({
            reachable: false,
            roundTripMs: null,
            models: null,
            error
          })
        })
      ).toEqual(['TD300', code].sort());
    });

    it('points a timeout at starvation when a long GIL hold was seen', () => {
      const f = smoke({
        reachable: false,
        error: 'APITimeoutError: timed out'
      });
      f.stalls = [{ durationMs: 12_000, mainCpuMs: 11_900 }];
      const td302 = run({ facts: f }).findings.find(x => x.code === 'TD302')!;
      expect(td302.evidence).toMatch(/starved SDK loop/);
      f.stalls = [{ durationMs: 9_000, mainCpuMs: 8_900 }];
      const plain = run({ facts: f }).findings.find(x => x.code === 'TD302')!;
      expect(plain.evidence).not.toMatch(/starved/);
    });

    it('reports an unreachable service without error text as TD301', () => {
      expect(
        codes({ facts: smoke({ reachable: false, error: null }) })
      ).toEqual(['TD300', 'TD301']);
    });

    it('leaves a non-service error to the notes', () => {
      const result = run({
        facts: smoke({
          reachable: false,
          error: 'AuthenticationError: invalid API key'
        })
      });
      expect(result.findings.map(f => f.code)).toEqual(['TD300']);
      expect(result.notes?.join(' ')).toMatch(/not a service problem/);
    });

    it('decodes a creation timeout as TD306, not TD302', () => {
      const found = codes({
        facts: smoke({
          ...OK,
          error: 'TimeoutError: training client not created within 120 s',
          creation: {
            attempted: true,
            ok: false,
            seconds: 120,
            timedOut: true,
            error: 'TimeoutError: training client not created within 120 s'
          }
        })
      });
      expect(found).toEqual(['TD300', 'TD306']);
    });

    it('reads a creation timeout from the error text', () => {
      expect(
        codes({
          facts: smoke({
            ...OK,
            error: 'TimeoutError: training client not created within 120 s'
          })
        })
      ).toEqual(['TD300', 'TD306']);
    });

    it('decodes a creation failure by its error', () => {
      expect(
        codes({
          facts: smoke({
            ...OK,
            creation: {
              attempted: true,
              ok: false,
              seconds: 1,
              timedOut: false,
              error: 'RateLimitError: 429'
            }
          })
        })
      ).toEqual(['TD300', 'TD304']);
    });

    it('reports a slow but successful creation as TD306 from 60 s', () => {
      const at = (seconds: number) =>
        codes({
          facts: smoke({
            ...OK,
            creation: {
              attempted: true,
              ok: true,
              seconds,
              timedOut: false,
              error: null
            }
          })
        });
      expect(at(60)).toEqual(['TD300', 'TD306']);
      expect(at(59)).toEqual(['TD300']);
    });

    it('keeps secrets out of the evidence', () => {
      const result = run({
        facts: smoke({
          reachable: false,
          error:
            'APIConnectionError: proxy http://bob:hunter2@proxy:3128 ' +
            'refused key tml-abcdefghijklmnop'
        })
      });
      const text = result.findings.map(f => f.evidence).join('\n');
      expect(text).not.toMatch(/hunter2|abcdefghijklmnop/);
    });

    it('skips the smoke test when tinker is not installed', () => {
      const f = smoke({ reachable: false, error: 'APIConnectionError: x' });
      f.packages = { tinker: null };
      const result = run({ facts: f });
      expect(result.findings).toEqual([]);
      expect(result.notes?.join(' ')).toMatch(/tinker is not installed/);
    });
  });

  describe('TD306 from a long wait in client creation', () => {
    const cell =
      'svc = tinker.ServiceClient()\n' +
      'tc = await svc.create_lora_training_client_async(\n' +
      '    base_model=cfg.model, rank=8)\n' +
      'print("done")';

    function waiting(
      line: number,
      durationMs: number,
      healthy = true
    ): IDiagnosisInput {
      return {
        notebook: notebook('import tinker', cell),
        facts: facts({
          waits: [
            {
              cellIndex: 1,
              cellId: 'c1',
              line,
              durationMs,
              mainIdle: true,
              sdkLoopHealthy: healthy
            }
          ]
        })
      };
    }

    it('fires at the waiting cell from 120 s inside the creation call', () => {
      const [f] = run(waiting(3, 120_000)).findings;
      expect(f).toMatchObject({ code: 'TD306', cellIndex: 1, line: 3 });
      expect(f.evidence).toMatch(/capacity/);
    });

    it('ignores short waits, other lines, starved loops', () => {
      expect(codes(waiting(3, 119_000))).toEqual([]);
      expect(codes(waiting(4, 900_000))).toEqual([]);
      expect(codes(waiting(3, 900_000, false))).toEqual([]);
    });

    it('places the smoke test creation timeout at the waiting cell', () => {
      const input = waiting(2, 900_000);
      input.facts!.checks = {
        smoke: {
          ...OK,
          error: 'TimeoutError: training client not created within 120 s'
        }
      };
      const td306 = run(input).findings.filter(f => f.code === 'TD306');
      expect(td306).toHaveLength(1);
      expect(td306[0]).toMatchObject({ cellIndex: 1, line: 2 });
    });
  });

  describe('TD308', () => {
    it('fires for TINKER_BASE_URL, hiding credentials', () => {
      const [f] = run({
        facts: facts({
          env: { TINKER_BASE_URL: 'http://user:pw@127.0.0.1:8000/?token=abc' }
        })
      }).findings;
      expect(f.code).toBe('TD308');
      expect(f.evidence).toMatch(/127\.0\.0\.1:8000/);
      expect(f.evidence).not.toMatch(/pw@|abc/);
    });

    it('ignores the default URL (any trailing slash), empty', () => {
      expect(
        codes({ facts: facts({ env: { TINKER_BASE_URL: DEFAULT_BASE_URL } }) })
      ).toEqual([]);
      expect(
        codes({
          facts: facts({ env: { TINKER_BASE_URL: DEFAULT_BASE_URL + '/' } })
        })
      ).toEqual([]);
      expect(codes({ facts: facts({ env: { TINKER_BASE_URL: '' } }) })).toEqual(
        []
      );
    });

    it('fires when the SDK or smoke test says non-default', () => {
      expect(
        codes({ facts: facts({ sdk: { baseUrlIsDefault: false } }) })
      ).toEqual(['TD308']);
      expect(
        codes({ facts: smoke({ ...OK, baseUrlIsDefault: false }) })
      ).toEqual(['TD300', 'TD308']);
      expect(
        codes({ facts: smoke({ ...OK, baseUrl: 'http://127.0.0.1:9' }) })
      ).toEqual(['TD300', 'TD308']);
      expect(
        codes({
          facts: smoke({
            ...OK,
            baseUrl: DEFAULT_BASE_URL,
            baseUrlIsDefault: true
          })
        })
      ).toEqual(['TD300']);
    });

    it('points at a base_url= literal in a cell', () => {
      const [f] = run({
        notebook: notebook(
          'import tinker',
          'svc = tinker.ServiceClient(base_url="http://127.0.0.1:8000")'
        )
      }).findings;
      expect(f).toMatchObject({ code: 'TD308', cellIndex: 1, line: 1 });
    });

    it.each([
      "os.environ['TINKER_BASE_URL'] = 'http://10.1.2.3:8000'",
      'os.environ["TINKER_BASE_URL"]="http://10.1.2.3:8000"',
      'os.environ.setdefault("TINKER_BASE_URL", "http://10.1.2.3:8000")',
      "os.environ.update({'TINKER_BASE_URL': 'http://10.1.2.3:8000'})",
      "os.environ.update(TINKER_BASE_URL='http://10.1.2.3:8000')",
      '%env TINKER_BASE_URL=http://10.1.2.3:8000',
      '%env TINKER_BASE_URL http://10.1.2.3:8000'
    ])('points at a cell that sets the URL: %s', line => {
      const [f] = run({
        notebook: notebook('import os', `${line}\nimport tinker`)
      }).findings;
      expect(f).toMatchObject({ code: 'TD308', cellIndex: 1, line: 1 });
      expect(f.evidence).toContain(
        'sets TINKER_BASE_URL to http://10.1.2.3:8000'
      );
    });

    it('ignores a cell that sets the default, an empty or a compared URL', () => {
      expect(
        codes({
          notebook: notebook(
            `os.environ['TINKER_BASE_URL'] = '${DEFAULT_BASE_URL}/'`,
            "os.environ['TINKER_BASE_URL'] = ''",
            "ok = os.environ['TINKER_BASE_URL'] == 'http://x:1'",
            "# os.environ['TINKER_BASE_URL'] = 'http://x:1'"
          )
        })
      ).toEqual([]);
    });

    it('ignores default or commented-out base_url=', () => {
      expect(
        codes({
          notebook: notebook(
            `svc = tinker.ServiceClient(base_url="${DEFAULT_BASE_URL}")`
          )
        })
      ).toEqual([]);
      expect(
        codes({ notebook: notebook('# ServiceClient(base_url="http://x")') })
      ).toEqual([]);
    });
  });
});

describe('classifyServiceError', () => {
  it('prefers the status code over the exception name', () => {
    expect(classifyServiceError('TimeoutError: status code 503')?.code).toBe(
      'TD305'
    );
  });

  it('recognizes a capacity pause', () => {
    expect(
      classifyServiceError(
        'Training for Qwen/Qwen3-32B is paused. Reason: capacity'
      )?.code
    ).toBe('TD306');
  });

  it('returns null for unrelated errors', () => {
    expect(
      classifyServiceError('ValueError: rank must be positive')
    ).toBeNull();
  });
});

describe('redact', () => {
  it('removes keys, bearer tokens and URL credentials', () => {
    expect(
      redact('Bearer abc.def sk-1234567890ab http://a:b@h/ api_key=zzz')
    ).toBe(
      'Bearer <redacted> <redacted> http://<redacted>@h/ api_key=<redacted>'
    );
  });
});
