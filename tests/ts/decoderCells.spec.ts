/**
 * Decoding whole cells: root causes of chained errors, repeated try_again
 * lines, the heartbeat's last exception, secrets and odd outputs.
 */
import { decodeCell, decoderRules } from '../../src/engine/decoder';
import { ICell, ICellOutput } from '../../src/engine/types';

function cell(outputs: ICellOutput[], source = 'x = 1'): ICell {
  return {
    index: 0,
    id: 'c0',
    cellType: 'code',
    source,
    outputs,
    executionCount: 1
  };
}

function stderr(text: string): ICellOutput {
  return { outputType: 'stream', name: 'stderr', text };
}

function error(ename: string, evalue: string, tb: string[]): ICellOutput {
  return {
    outputType: 'error',
    ename,
    evalue,
    traceback: tb,
    text: tb.join('\n')
  };
}

const TRY_AGAIN = (id: string): string =>
  `tinker.lib.api_future_impl:488 [WARNING] Retrying request ` +
  `self.request_id='${id}' because of try_again`;

describe('decodeCell', () => {
  it('decodes a chained error at its root cause', () => {
    const tb = [
      'Traceback (most recent call last):',
      '  File "/tmp/ipykernel_9/cell-2.py", line 2, in <module>',
      'tinker.RequestFailedError: Request failed: max() iterable argument ' +
        "is empty for self.request_id='req-1'",
      '',
      'The above exception was the direct cause of the following exception:',
      '',
      'Traceback (most recent call last):',
      '  File "/tmp/ipykernel_9/cell-2.py", line 3, in <module>',
      'RuntimeError: A previous request failed; this TrainingClient is ' +
        'poisoned and cannot accept further requests.'
    ];
    const out = decodeCell(
      cell([error('RuntimeError', 'A previous request failed', tb)])
    );
    // Line 2 is where the root cause was raised from; line 3 only wraps it.
    expect(out.map(d => [d.code, d.line])).toEqual([['TD501', 2]]);
    expect(out[0].values.request).toBe('req-1');
  });

  it('reports try_again repeated for one request over minutes (TD307)', () => {
    // The SDK's own format when TINKER_LOG is set.
    const text = [0, 1, 2, 3]
      .map(
        m =>
          `[2026-01-02 10:0${m}:00 - tinker.lib.api_future_impl:488 - ` +
          `WARNING] Retrying request self.request_id='req-7' because of ` +
          'try_again'
      )
      .join('\n');
    const out = decodeCell(cell([stderr(text)]));
    expect(out.map(d => d.code)).toEqual(['TD307']);
    expect(out[0].values).toEqual(
      expect.objectContaining({
        request: 'req-7',
        count: '4',
        span: '3 min 0 s'
      })
    );
  });

  it('does not report a few quick try_again polls', () => {
    const text = [1, 2, 3, 4]
      .map(s => `2026-01-02 10:00:0${s} ${TRY_AGAIN('req-7')}`)
      .join('\n');
    expect(decodeCell(cell([stderr(text)]))).toEqual([]);
  });

  it('counts try_again per request id', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k'];
    const spread = ids.map(id => TRY_AGAIN(`req-${id}`)).join('\n');
    expect(decodeCell(cell([stderr(spread)]))).toEqual([]);
    const same = ids.map(() => TRY_AGAIN('req-z')).join('\n');
    const out = decodeCell(cell([stderr(same)]));
    expect(out.map(d => [d.code, d.values.count])).toEqual([['TD307', '11']]);
  });

  it('decodes the heartbeat warning and its last exception', () => {
    const text =
      'Session heartbeat failed for 150.0 seconds for session sess-9. ' +
      'Last exception: APITimeoutError: Request timed out..\n' +
      'Your connection may be unreliable or Tinker is down. If this ' +
      'persists, the session will be terminated.\n';
    const codes = decodeCell(cell([stderr(text)])).map(d => d.code);
    expect(codes).toEqual(['TD121', 'TD302']);
  });

  it.each([
    ['APIConnectionError: Connection error.', 'TD301'],
    ['APITimeoutError: Request timed out.', 'TD302'],
    [
      "NotFoundError: Error code: 404 - {'detail': 'Invalid session_id'}",
      'TD506'
    ]
  ])('decodes the real SDK heartbeat warning ending in %s', (last, code) => {
    // As SDK 0.38.0 logged it against the local server's heartbeat faults.
    const text =
      'tinker.lib.internal_client_holder:593 [WARNING] Session heartbeat ' +
      'failed for 150.4322839450001 seconds for session sess-0001-09cd. ' +
      `Last exception: ${last}.\nYour connection may be unreliable or ` +
      'Tinker is down. If this persists, the session will be terminated.\n';
    const out = decodeCell(cell([stderr(text)]));
    expect(out.map(d => d.code)).toEqual(['TD121', code]);
    expect(out[0].cause).toBe(
      'No successful SDK heartbeat for 150.4 s (session sess-0001-09cd); ' +
        `last exception: ${last}`
    );
  });

  it('keeps API keys out of what it reports', () => {
    const out = decodeCell(
      cell([
        error(
          'AuthenticationError',
          "Error code: 401 - {'detail': 'bad key tml-SECRET1234567890'}",
          []
        )
      ])
    );
    expect(out[0].code).toBe('TD506');
    expect(JSON.stringify(out)).not.toContain('SECRET1234567890');
  });

  it('ignores outputs it cannot read instead of failing', () => {
    const odd = {
      outputType: 'error',
      text: ''
    } as ICellOutput;
    expect(decodeCell(cell([odd, stderr('')]))).toEqual([]);
  });
});

describe('decoderRules', () => {
  it('merges one code per cell and prefers the error line', () => {
    const notebook = {
      cells: [
        cell(
          [
            stderr(
              'The job is paused due to billing status. Error: payment ' +
                'required\n'
            ),
            error('BillingError', "Error code: 402 - {'detail': 'no'}", [
              'Cell In[2], line 2',
              '----> 2 fb.result()',
              "BillingError: Error code: 402 - {'detail': 'no'}"
            ])
          ],
          'fb = tc.forward_backward(b, "cross_entropy")\nfb.result()'
        )
      ]
    };
    const result = decoderRules.run({ notebook });
    expect(result.findings.map(f => [f.code, f.cellIndex, f.line])).toEqual([
      ['TD303', 0, 2]
    ]);
    expect(result.findings[0].cellId).toBe('c0');
    expect(result.checked).toEqual(['decode']);
  });

  it('skips markdown cells and runs without a notebook', () => {
    const md: ICell = {
      ...cell([stderr('No valid weights found for NLL computation')]),
      cellType: 'markdown'
    };
    expect(decoderRules.run({ notebook: { cells: [md] } }).findings).toEqual(
      []
    );
    expect(decoderRules.run({}).findings).toEqual([]);
  });
});

describe('data-error rows in stream text', () => {
  function stdout(text: string): ICellOutput {
    return { outputType: 'stream', name: 'stdout', text };
  }
  const WORDS = 'tokens and weights must be the same length';

  it("ignore the user's own print of the words", () => {
    const c = cell([stdout(`Tip: ${WORDS}\n`)], `print('Tip: ${WORDS}')`);
    expect(decodeCell(c).map(d => d.code)).toEqual([]);
  });

  it.each([
    `ValueError: ${WORDS}`,
    `2025-11-27 14:02:05 ERROR tinker: ${WORDS}`,
    `[ERROR] ${WORDS}`,
    `Error: ${WORDS}`,
    `Traceback (most recent call last):\n  File "x.py", line 1\n${WORDS}`
  ])('decode them in an error context: %s', text => {
    expect(decodeCell(cell([stdout(text + '\n')])).map(d => d.code)).toEqual([
      'TD509'
    ]);
  });
});
