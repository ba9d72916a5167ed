/**
 * Errors a cell shows as values (execute_result / display_data reprs of
 * exceptions and failed results) decode like a traceback's message; text
 * that merely mentions an error does not.
 */
import { decodeCellFindings, decoderRules } from '../../src/engine/decoder';
import { errorReprs } from '../../src/engine/decoder/reprs';
import { readNotebook } from '../../src/engine/notebook';
import { ICell, ICellOutput } from '../../src/engine/types';

function shown(
  text: string,
  kind: 'execute_result' | 'display_data' = 'execute_result'
): ICellOutput {
  return { outputType: kind, text };
}

function cell(outputs: ICellOutput[], source = 'fut.exception()'): ICell {
  return {
    index: 3,
    id: 'c3',
    cellType: 'code',
    source,
    outputs,
    executionCount: 4
  };
}

function codes(text: string, kind?: 'execute_result' | 'display_data') {
  return decodeCellFindings(cell([shown(text, kind)])).map(f => f.code);
}

describe('error objects shown as values', () => {
  it('decodes a 402 APIStatusError repr as billing (TD303), pointing at the displayed line', () => {
    const source =
      'fut = tc.forward_backward(batch, "cross_entropy")\n' +
      '# what went wrong?\nfut.exception()\n';
    const findings = decodeCellFindings(
      cell(
        [
          shown(
            "APIStatusError(\"Error code: 402 - {'detail': 'The job is " +
              'paused due to billing status\'}")'
          )
        ],
        source
      )
    );
    expect(findings.map(f => f.code)).toEqual(['TD303']);
    expect(findings[0].line).toBe(3);
    expect(findings[0].cellIndex).toBe(3);
    expect(findings[0].evidence).toMatch(/showed as its value/);
  });

  it('gives TD303 only for a 402 shown as a PermissionDeniedError', () => {
    expect(
      codes("PermissionDeniedError('Error code: 402 - payment required')")
    ).toEqual(['TD303']);
  });

  it('decodes a failed request error shown with display()', () => {
    expect(
      codes(
        "RequestFailedError('Request failed: max() iterable argument is " +
          "empty')",
        'display_data'
      )
    ).toEqual(['TD501']);
  });

  it("decodes a failed future's result object", () => {
    expect(
      codes(
        "RequestFailedResponse(error='Could not convert loss function " +
          "inputs to array record', category=<RequestErrorCategory.User: " +
          "'user'>)"
      )
    ).toEqual(['TD502']);
  });

  it('decodes every error in a gather(return_exceptions=True) list', () => {
    const text =
      "[None,\n RateLimitError('Error code: 429 - too many requests'),\n " +
      "APITimeoutError('Request timed out.')]";
    expect(codes(text).sort()).toEqual(['TD302', 'TD304']);
  });

  it('decodes a future repr that says which exception it raised', () => {
    expect(
      codes('<Future at 0x7f31c2 state=finished raised RateLimitError>')
    ).toEqual(['TD304']);
  });

  it('decodes errors nested in an exception group once', () => {
    const text =
      "ExceptionGroup('two failed', [tinker.BillingError('Error code: " +
      "402'), ValueError('other')])";
    expect(errorReprs(text)).toHaveLength(1);
    expect(codes(text)).toEqual(['TD303']);
  });

  it('reads quotes, escapes and a repr cut short', () => {
    expect(
      errorReprs(
        "BillingError('It\\'s paused due to billing status (see \"x\")'"
      )
    ).toEqual(['BillingError: It\'s paused due to billing status (see "x")']);
    expect(codes("RateLimitError('Error code: 429 - slow down")).toEqual([
      'TD304'
    ]);
  });

  it('keeps secrets in a shown error out of the finding', () => {
    const findings = decodeCellFindings(
      cell([
        shown(
          "AuthenticationError('Error code: 401 - bad key " +
            "tml-AbCdEf0123456789xyz')"
        )
      ])
    );
    expect(findings.map(f => f.code)).toEqual(['TD506']);
    expect(JSON.stringify(findings)).not.toContain('AbCdEf0123456789');
  });

  it('decodes a stored execute_result from a notebook file', () => {
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        {
          cell_type: 'code',
          id: 'a1',
          source: ['f = sc.create_lora_training_client_async(m)\n', 'await f'],
          metadata: {},
          execution_count: 1,
          outputs: [
            {
              output_type: 'execute_result',
              execution_count: 1,
              metadata: {},
              data: {
                'text/plain': [
                  "BillingError('Error code: 402 - ",
                  "{\\'detail\\': \\'payment required\\'}')"
                ]
              }
            }
          ]
        }
      ]
    };
    const found = decoderRules.run({ notebook: readNotebook(nb) }).findings;
    expect(found.map(f => [f.code, f.cellId, f.line])).toEqual([
      ['TD303', 'a1', 2]
    ]);
  });
});

describe('ordinary values are not errors', () => {
  it.each([
    "'error rate 402 per day'",
    "{'train_error': 0.402, 'status': 'Error code: 402'}",
    'MeanSquaredError()',
    'ValueError was raised 3 times; RateLimitError is handled',
    '   loss  error\n0  0.40  402\n1  0.38  429',
    "my_RateLimitError('x')",
    "Checkpoint(path='tinker://r/weights/0001', error=None)",
    '<Future at 0x7f31c2 state=finished returned ForwardBackwardOutput>'
  ])('decodes nothing from %s', text => {
    expect(codes(text)).toEqual([]);
    expect(codes(text, 'display_data')).toEqual([]);
  });
});
