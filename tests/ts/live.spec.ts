import { IFacts, IStallFact, IThreadFact } from '../../src/engine/facts';
import {
  createLiveRules,
  HEARTBEAT_OVERDUE_S,
  liveRules
} from '../../src/engine/rules/live';
import { IDiagnosisInput, INotebookInput } from '../../src/engine/types';

const MAIN_IDLE: IThreadFact = {
  name: 'MainThread',
  role: 'main',
  state: 'waiting',
  stack: [
    { function: 'dispatch_queue', file: '/env/ipykernel/kernelbase.py' },
    { function: 'select', file: '/usr/lib/python3.12/selectors.py' }
  ]
};

const MAIN_IN_RESULT: IThreadFact = {
  name: 'MainThread',
  role: 'main',
  state: 'waiting',
  stack: [
    { function: '<module>', cellIndex: 2, cellId: 'c2', line: 4 },
    { function: 'result', file: '/env/tinker/lib/api_future.py', line: 127 },
    { function: 'wait', file: '/usr/lib/python3.12/threading.py', line: 355 }
  ]
};

const SDK_IDLE: IThreadFact = {
  name: 'Thread-3 (_background_thread_func)',
  role: 'sdk',
  state: 'waiting',
  stack: [
    { function: '_background_thread_func', file: '/env/tinker/lib/h.py' },
    { function: 'select', file: '/usr/lib/python3.12/selectors.py' }
  ]
};

const HEARTBEAT = {
  coroutine: 'InternalClientHolder._session_heartbeat',
  name: 'Task-2',
  ageS: 1800
};

/** A healthy kernel with one training client, with parts replaced. */
function facts(extra: Partial<IFacts> = {}): IFacts {
  return {
    schema: 'tinker-doctor/facts@1',
    packages: { tinker: '0.38.0' },
    threads: [MAIN_IDLE, SDK_IDLE],
    sdk: {
      imported: true,
      threadAlive: true,
      loopRunning: true,
      loopLagMs: 2,
      lastHeartbeatAgeS: 4,
      baseUrlIsDefault: true,
      pendingTasks: [HEARTBEAT]
    },
    clients: [
      { kind: 'TrainingClient', variable: 'tc', baseModel: 'Qwen/Qwen3-8B' }
    ],
    ...extra
  };
}

function stall(durationMs: number, more: Partial<IStallFact> = {}): IStallFact {
  return {
    durationMs,
    mainCpuMs: durationMs * 0.98,
    cellIndex: 2,
    cellId: 'c2',
    line: 6,
    sdkPending: 2,
    ...more
  };
}

function notebook(count = 4): INotebookInput {
  return {
    cells: Array.from({ length: count }, (_, index) => ({
      index,
      id: `c${index}`,
      cellType: 'code' as const,
      source: 'x = 1\ny = 2\nz = 3\nw = 4\nv = 5\nu = 6',
      outputs: [],
      executionCount: null
    }))
  };
}

function run(input: IDiagnosisInput) {
  return liveRules.run(input);
}

function find(input: IDiagnosisInput, code: string) {
  return run(input).findings.filter(f => f.code === code);
}

describe('live rules', () => {
  it('passes a healthy idle kernel and marks it checked', () => {
    const result = run({ facts: facts() });
    expect(result.findings).toEqual([]);
    expect(result.checked).toEqual(['live']);
  });

  it('checks nothing without live facts', () => {
    expect(run({}).checked).toEqual([]);
    expect(
      run({
        facts: {
          schema: 'tinker-doctor/facts@1',
          packages: { tinker: '0.38.0' }
        }
      }).checked
    ).toEqual([]);
  });

  it('says when the watchdog failed on some ticks, and not otherwise', () => {
    const failing = run({
      facts: facts({
        watchdog: { errors: 3, lastError: 'ValueError: bad frame\nmore' }
      })
    });
    expect(failing.notes).toContain(
      'The watchdog failed on 3 ticks (last: ValueError: bad frame): GIL ' +
        'holds may have been missed. Please report it with this note.'
    );
    const healthy = run({ facts: facts({ watchdog: { errors: 0 } }) });
    expect((healthy.notes ?? []).join(' ')).not.toMatch(/watchdog failed/);
  });

  it('skips everything when tinker is not installed', () => {
    const result = run({
      facts: facts({
        packages: { tinker: null },
        sdk: { imported: false, threadAlive: false, loopRunning: false },
        clients: [{ kind: 'TrainingClient' }],
        stalls: [stall(30_000)]
      })
    });
    expect(result.findings).toEqual([]);
    expect(result.notes?.join(' ')).toMatch(/tinker is not installed/);
  });

  describe('TD120', () => {
    it('fires at the threshold with cell and line, as a warning', () => {
      const [f] = find({ facts: facts({ stalls: [stall(100)] }) }, 'TD120');
      expect(f).toMatchObject({ cellIndex: 2, line: 6, severity: 'warning' });
    });

    it('does not fire just under the threshold', () => {
      expect(find({ facts: facts({ stalls: [stall(99)] }) }, 'TD120')).toEqual(
        []
      );
    });

    it('honours a configured threshold', () => {
      const rules = createLiveRules({ stallThresholdMs: 500 });
      const input = { facts: facts({ stalls: [stall(400)] }) };
      expect(rules.run(input).findings.map(f => f.code)).not.toContain('TD120');
      expect(
        rules.run({ facts: facts({ stalls: [stall(500)] }) }).findings[0].code
      ).toBe('TD120');
    });

    it('is an error at 10 s and a warning just below', () => {
      expect(
        find({ facts: facts({ stalls: [stall(10_000)] }) }, 'TD120')[0].severity
      ).toBe('error');
      expect(
        find({ facts: facts({ stalls: [stall(9_999)] }) }, 'TD120')[0].severity
      ).toBe('warning');
    });

    it('does not take a busy machine for a GIL hold', () => {
      const result = run({
        facts: facts({ stalls: [stall(3000, { mainCpuMs: 40 })] })
      });
      expect(result.findings.map(f => f.code)).not.toContain('TD120');
      expect(result.notes?.join(' ')).toMatch(/machine was busy/);
    });

    it('needs an SDK thread, a client or pending requests', () => {
      const input = {
        facts: facts({
          threads: [MAIN_IDLE],
          sdk: { imported: true, threadAlive: false, loopRunning: false },
          clients: [],
          stalls: [stall(2000, { sdkPending: 0 })]
        })
      };
      expect(find(input, 'TD120')).toEqual([]);
    });

    it('skips a hold made before the SDK thread existed, and says so', () => {
      // An import (torch through tinker) holds the GIL for seconds, before
      // any client: the SDK thread exists now, but did not then.
      const importHold = stall(3000, { sdkPending: 0, sdkThread: false });
      const later = stall(400, { sdkPending: 0, sdkThread: true, line: 9 });
      const result = run({ facts: facts({ stalls: [importHold, later] }) });
      const td120 = result.findings.filter(f => f.code === 'TD120');
      expect(td120.map(f => f.line)).toEqual([9]);
      expect(result.notes?.join(' ')).toMatch(
        /1 GIL hold\(s\) .* before the SDK's thread existed/
      );
    });

    it('takes the location from the innermost stack frame with a cell', () => {
      const s = stall(500, {
        cellIndex: null,
        cellId: null,
        line: null,
        stack: [
          { function: '<module>', cellIndex: 1, line: 9 },
          { function: 'helper', cellIndex: 3, line: 2 },
          {
            function: 'sub',
            file: '/usr/lib/python3.12/re/__init__.py',
            line: 185
          }
        ]
      });
      const [f] = find({ facts: facts({ stalls: [s] }) }, 'TD120');
      expect(f).toMatchObject({ cellIndex: 3, line: 2 });
      expect(f.evidence).toMatch(/sub \(__init__\.py:185\)/);
    });

    it('maps a cell id to its index through the notebook', () => {
      const s = stall(500, { cellIndex: null, cellId: 'c3', line: 1 });
      const [f] = find(
        { facts: facts({ stalls: [s] }), notebook: notebook() },
        'TD120'
      );
      expect(f).toMatchObject({ cellIndex: 3, cellId: 'c3', line: 1 });
    });

    it('groups holds on the same line and keeps different lines apart', () => {
      const found = find(
        {
          facts: facts({
            stalls: [stall(200), stall(12_000), stall(300, { line: 2 })]
          })
        },
        'TD120'
      );
      expect(found).toHaveLength(2);
      const line6 = found.find(f => f.line === 6)!;
      expect(line6.severity).toBe('error');
      expect(line6.evidence).toMatch(/2 times/);
    });

    it('ignores malformed stalls', () => {
      const bad = [
        { durationMs: NaN },
        { durationMs: -5 },
        null
      ] as unknown as IStallFact[];
      expect(() => run({ facts: facts({ stalls: bad }) })).not.toThrow();
      expect(run({ facts: facts({ stalls: bad }) }).findings).toEqual([]);
    });
  });

  describe('TD121', () => {
    it('fires for a hold of 20 s, not for 19.9 s', () => {
      expect(
        find({ facts: facts({ stalls: [stall(20_000)] }) }, 'TD121')
      ).toHaveLength(1);
      expect(
        find({ facts: facts({ stalls: [stall(19_900)] }) }, 'TD121')
      ).toEqual([]);
    });

    it('needs the SDK thread for a long hold to miss heartbeats', () => {
      const input = {
        facts: facts({
          threads: [MAIN_IDLE],
          sdk: { imported: true, threadAlive: false, loopRunning: false },
          clients: [],
          stalls: [stall(30_000, { sdkPending: 0 })]
        })
      };
      expect(find(input, 'TD121')).toEqual([]);
    });

    it('fires for overdue heartbeats: failing, not starved', () => {
      const f = facts();
      f.sdk!.lastHeartbeatAgeS = 131;
      const [td121] = find({ facts: f }, 'TD121');
      expect(td121.evidence).toMatch(/131 s ago/);
      expect(td121.evidence).toMatch(/failing rather than starved/);
    });

    it('does not fire while heartbeats are recent', () => {
      const f = facts();
      f.sdk!.lastHeartbeatAgeS = HEARTBEAT_OVERDUE_S - 1;
      expect(find({ facts: f }, 'TD121')).toEqual([]);
      f.sdk!.lastHeartbeatAgeS = null;
      expect(find({ facts: f }, 'TD121')).toEqual([]);
    });
  });

  describe('TD122', () => {
    it('fires when the SDK thread stack sits in pydantic serialization', () => {
      const sdk: IThreadFact = {
        ...SDK_IDLE,
        state: 'running',
        stack: [
          { function: '_background_thread_func', file: '/env/tinker/lib/h.py' },
          { function: 'model_dump', file: '/env/tinker/_compat.py', line: 143 },
          { function: 'model_dump', file: '/env/pydantic/main.py', line: 479 }
        ]
      };
      const input = {
        facts: facts({
          threads: [{ ...MAIN_IN_RESULT, state: 'running' as const }, sdk],
          packages: { tinker: '0.38.0', pydantic: '2.13.0b2' }
        })
      };
      input.facts.sdk!.loopLagMs = 4000;
      const [f] = find(input, 'TD122');
      expect(f.evidence).toMatch(/model_dump \(main\.py:479\)/);
      expect(f.evidence).toMatch(/this is TD101/);
    });

    it('ignores a serializing snapshot of a responsive loop', () => {
      const sdk: IThreadFact = {
        ...SDK_IDLE,
        state: 'running',
        stack: [{ function: 'model_dump', file: '/env/pydantic/main.py' }]
      };
      const input = { facts: facts({ threads: [MAIN_IN_RESULT, sdk] }) };
      expect(find(input, 'TD122')).toEqual([]);
    });

    it('fires on protobuf or json serialization too', () => {
      const sdk: IThreadFact = {
        ...SDK_IDLE,
        state: 'running',
        stack: [
          {
            function: 'SerializeToString',
            file: '/env/google/protobuf/message.py'
          }
        ]
      };
      const input = { facts: facts({ threads: [MAIN_IDLE, sdk] }) };
      delete input.facts.sdk!.loopLagMs;
      expect(find(input, 'TD122')).toHaveLength(1);
    });

    it('fires on a late SDK loop while the main thread is idle', () => {
      const f = facts();
      f.sdk!.loopLagMs = 5000;
      expect(find({ facts: f }, 'TD122')).toHaveLength(1);
    });

    it('does not blame the SDK for lag while main computes', () => {
      const f = facts({
        threads: [{ ...MAIN_IDLE, state: 'running' }, SDK_IDLE]
      });
      f.sdk!.loopLagMs = 5000;
      expect(find({ facts: f }, 'TD122')).toEqual([]);
    });

    it('does not fire for a small lag or an idle SDK thread', () => {
      const f = facts();
      f.sdk!.loopLagMs = 999;
      expect(find({ facts: f }, 'TD122')).toEqual([]);
    });
  });

  describe('TD123', () => {
    it('fires for a long wait, main idle, loop healthy', () => {
      const [f] = find(
        {
          facts: facts({
            waits: [
              {
                cellIndex: 2,
                cellId: 'c2',
                line: 1,
                durationMs: 60_000,
                mainIdle: true,
                sdkLoopHealthy: true
              }
            ]
          })
        },
        'TD123'
      );
      expect(f).toMatchObject({ cellIndex: 2, line: 1, severity: 'info' });
    });

    it('ignores short waits, busy main, unhealthy loop', () => {
      const wait = {
        cellIndex: 2,
        line: 1,
        durationMs: 60_000,
        mainIdle: true,
        sdkLoopHealthy: true
      };
      expect(
        find(
          { facts: facts({ waits: [{ ...wait, durationMs: 9_000 }] }) },
          'TD123'
        )
      ).toEqual([]);
      expect(
        find(
          { facts: facts({ waits: [{ ...wait, mainIdle: false }] }) },
          'TD123'
        )
      ).toEqual([]);
      expect(
        find(
          { facts: facts({ waits: [{ ...wait, sdkLoopHealthy: false }] }) },
          'TD123'
        )
      ).toEqual([]);
    });

    it('does not fire when the snapshot shows the loop gone', () => {
      const f = facts({
        waits: [
          {
            cellIndex: 2,
            line: 1,
            durationMs: 60_000,
            mainIdle: true,
            sdkLoopHealthy: true
          }
        ]
      });
      f.sdk!.threadAlive = false;
      expect(find({ facts: f }, 'TD123')).toEqual([]);
    });

    it('fires from main waiting in result() on old requests', () => {
      const f = facts({ threads: [MAIN_IN_RESULT, SDK_IDLE] });
      f.sdk!.pendingTasks = [
        HEARTBEAT,
        { coroutine: '_APIFuture._result_async', ageS: 600 }
      ];
      const [td123] = find({ facts: f }, 'TD123');
      expect(td123).toMatchObject({ cellIndex: 2, line: 4 });
    });

    it('ignores the stack when only the heartbeat is pending', () => {
      const f = facts({ threads: [MAIN_IN_RESULT, SDK_IDLE] });
      expect(find({ facts: f }, 'TD123')).toEqual([]);
    });
  });

  describe('TD124', () => {
    it('fires when clients exist and the SDK thread is gone', () => {
      const f = facts();
      f.sdk!.threadAlive = false;
      f.sdk!.loopRunning = false;
      const [td124] = find({ facts: f }, 'TD124');
      expect(td124.severity).toBe('error');
      expect(td124.evidence).toMatch(/TrainingClient tc/);
    });

    it('fires when the loop is not running', () => {
      const f = facts();
      f.sdk!.loopRunning = false;
      expect(find({ facts: f }, 'TD124')).toHaveLength(1);
    });

    it('does not fire before the first client exists', () => {
      const result = run({
        facts: facts({
          clients: [],
          threads: [MAIN_IDLE],
          sdk: { imported: true, threadAlive: false, loopRunning: false }
        })
      });
      expect(result.findings.map(f => f.code)).not.toContain('TD124');
      expect(result.notes?.join(' ')).toMatch(/absence is normal/);
    });

    it('falls back to the thread list without SDK state', () => {
      const f = facts({ threads: [MAIN_IDLE] });
      delete f.sdk;
      expect(find({ facts: f }, 'TD124')).toHaveLength(1);
      const alive = facts();
      delete alive.sdk;
      expect(find({ facts: alive }, 'TD124')).toEqual([]);
    });
  });

  describe('TD125', () => {
    /** `count` holds of `each` ms inside one run of cell 2 of `runMs`. */
    function pressure(
      count: number,
      each: number,
      runMs: number,
      more: Partial<IStallFact> = {}
    ) {
      const stalls = Array.from({ length: count }, (_, i) =>
        stall(each, { line: 4, startedAt: 1000 + i * 0.1, ...more })
      );
      return facts({
        stalls,
        cellRuns: [
          { cellIndex: 2, cellId: 'c2', startedAt: 999.9, durationMs: runMs }
        ]
      });
    }

    it('fires over a quarter of the run, at the common line', () => {
      const [f] = find({ facts: pressure(30, 90, 10_000) }, 'TD125');
      expect(f).toMatchObject({ cellIndex: 2, line: 4 });
      expect(f.evidence).toMatch(/27%/);
    });

    it('does not fire at or under a quarter', () => {
      expect(find({ facts: pressure(25, 90, 9_000) }, 'TD125')).toEqual([]);
      expect(find({ facts: pressure(10, 90, 10_000) }, 'TD125')).toEqual([]);
    });

    it('does not count holds without pending requests', () => {
      expect(
        find({ facts: pressure(30, 90, 10_000, { sdkPending: 0 }) }, 'TD125')
      ).toEqual([]);
    });

    it('does not count holds over the TD120 threshold', () => {
      expect(find({ facts: pressure(30, 150, 10_000) }, 'TD125')).toEqual([]);
    });

    it('does not count holds outside the run', () => {
      expect(
        find({ facts: pressure(30, 90, 10_000, { startedAt: 5000 }) }, 'TD125')
      ).toEqual([]);
    });

    it('matches by cell when times are missing', () => {
      const f = pressure(30, 90, 10_000, { startedAt: undefined });
      f.cellRuns = [{ cellIndex: 2, durationMs: 10_000 }];
      expect(find({ facts: f }, 'TD125')).toHaveLength(1);
      f.cellRuns = [{ cellIndex: 1, durationMs: 10_000 }];
      expect(find({ facts: f }, 'TD125')).toEqual([]);
    });
  });
});
