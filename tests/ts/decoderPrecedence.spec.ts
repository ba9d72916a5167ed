/**
 * One error, one code: the status the server sent wins over the class an
 * SDK raised it as, and access rows yield to billing (TD303 vs TD506).
 */
import { decodeCellFindings, matchMessage } from '../../src/engine/decoder';
import { statedStatuses } from '../../src/engine/decoder/match';
import { ICell, ICellOutput } from '../../src/engine/types';

function codesOf(message: string, source: 'error' | 'log' = 'error'): string[] {
  return matchMessage(message, { context: '', source }).map(m => m.row.code);
}

function errorCell(ename: string, evalue: string): ICell {
  const tb = [
    'Traceback (most recent call last):',
    '  File "/tmp/ipykernel_9/cell-1.py", line 2, in <module>',
    `${ename}: ${evalue}`
  ];
  const output: ICellOutput = {
    outputType: 'error',
    ename,
    evalue,
    traceback: tb,
    text: tb.join('\n')
  };
  return {
    index: 0,
    id: 'c0',
    cellType: 'code',
    source:
      'sc = tinker.ServiceClient()\ntc = sc.create_lora_training_client()',
    outputs: [output],
    executionCount: 1
  };
}

const BILLING =
  "{'detail': 'Your organization is paused due to billing status'}";

describe('a 402 is billing (TD303) whatever class carries it', () => {
  it.each([
    'PermissionDeniedError',
    'AuthenticationError',
    'APIStatusError',
    'BadRequestError',
    'RateLimitError',
    'tinker.PermissionDeniedError'
  ])('gives TD303 only for %s: Error code: 402', cls => {
    expect(codesOf(`${cls}: Error code: 402 - ${BILLING}`)).toEqual(['TD303']);
  });

  it('gives TD303 only for a permission error that names the billing pause without a status', () => {
    expect(
      codesOf('PermissionDeniedError: The job is paused due to billing status')
    ).toEqual(['TD303']);
  });

  it('gives TD303 only when a 402 body says Access blocked', () => {
    expect(
      codesOf(
        "PermissionDeniedError: Error code: 402 - {'detail': 'Access " +
          "blocked: add credits'}"
      )
    ).toEqual(['TD303']);
  });

  it('makes one TD303 finding and no TD506 for a cell that raised it', () => {
    const findings = decodeCellFindings(
      errorCell('PermissionDeniedError', `Error code: 402 - ${BILLING}`)
    );
    expect(findings.map(f => f.code)).toEqual(['TD303']);
    expect(findings[0].line).toBe(2);
  });

  it('decodes a 402 permission error inside the heartbeat warning as TD303', () => {
    const codes = codesOf(
      'Session heartbeat failed for 40.0 seconds for session sess-1. Last ' +
        'exception: PermissionDeniedError: Error code: 402 - billing',
      'log'
    );
    expect(codes).toEqual(['TD121']);
    const cell = errorCell('X', 'y');
    cell.outputs = [
      {
        outputType: 'stream',
        name: 'stderr',
        text:
          'Session heartbeat failed for 40.0 seconds for session sess-1. ' +
          'Last exception: PermissionDeniedError: Error code: 402 - billing\n'
      }
    ];
    const found = decodeCellFindings(cell).map(f => f.code);
    expect(found).toContain('TD303');
    expect(found).not.toContain('TD506');
  });
});

describe('403 and 401 keep their access code (TD506)', () => {
  it.each([
    "PermissionDeniedError: Error code: 403 - {'detail': 'Access blocked'}",
    "APIStatusError: Error code: 403 - {'detail': 'forbidden'}",
    'PermissionDeniedError: You do not have access to this model',
    "AuthenticationError: Error code: 401 - {'detail': 'Invalid API key'}",
    "NotFoundError: Error code: 404 - {'detail': 'Access blocked'}"
  ])('gives TD506 only for %s', message => {
    expect(codesOf(message)).toEqual(['TD506']);
  });

  it('makes one TD506 finding for a cell that raised a 403', () => {
    const findings = decodeCellFindings(
      errorCell(
        'PermissionDeniedError',
        "Error code: 403 - {'detail': 'You do not have access to this model'}"
      )
    );
    expect(findings.map(f => f.code)).toEqual(['TD506']);
    expect(findings[0].title).toMatch(/403/);
  });
});

describe('the status a class name implies never overrides the stated one', () => {
  it('gives TD304 for a 429 and TD303 for a 402 raised as RateLimitError', () => {
    expect(codesOf('RateLimitError: Error code: 429')).toEqual(['TD304']);
    expect(codesOf('RateLimitError: Error code: 402')).toEqual(['TD303']);
  });

  it('still decodes a class name alone when no status is stated', () => {
    expect(codesOf('PermissionDeniedError: nope')).toEqual(['TD506']);
    expect(codesOf('BillingError: no credits')).toEqual(['TD303']);
  });

  it('reads the statuses a message states, not other numbers', () => {
    expect(
      statedStatuses(
        'Error code: 402 - step 403 of 500; status code 429, HTTP/1.1 503, ' +
          'status_code=401'
      )
    ).toEqual(['402', '429', '503', '401']);
  });
});
