/**
 * Reading tracebacks: chained exceptions (root cause first) and the line of
 * the cell where the failing call is, in every format Jupyter stores.
 */
import {
  failingLine,
  parseTraceback
} from '../../src/engine/decoder/traceback';

const lines = (text: string): string[] => text.split('\n');

const IPYTHON_CHAINED =
  lines(`---------------------------------------------------------------------------
ConnectError                              Traceback (most recent call last)
File ~/env/lib/python3.11/site-packages/httpx/_transports/default.py:101, in map_httpcore_exceptions()
    100 try:
--> 101     yield
    102 except Exception as exc:

ConnectError: [Errno 111] Connection refused

The above exception was the direct cause of the following exception:

APIConnectionError                        Traceback (most recent call last)
Cell In[7], line 3
      1 data = build()
      2 
----> 3 out = tc.forward_backward(data, "cross_entropy").result()

File ~/env/lib/python3.11/site-packages/tinker/lib/public_interfaces/api_future.py:127, in AwaitableConcurrentFuture.result(self, timeout)
--> 127 return self._future.result(timeout)

APIConnectionError: Connection error.`);

const OLD_IPYTHON =
  lines(`---------------------------------------------------------------------------
ValueError                                Traceback (most recent call last)
<ipython-input-4-8f3b2c1d9e0a> in <module>
      1 import tinker
----> 2 datum = make_datum(tokens[:10], weights)

~/env/lib/python3.8/site-packages/tinker_cookbook/supervised/common.py in make_datum(tokens, weights)
     40     if len(tokens) != len(weights):
---> 41         raise ValueError("tokens and weights must be the same length")

ValueError: tokens and weights must be the same length`);

const PLAIN_KERNEL_FILE = lines(`Traceback (most recent call last):

  File /tmp/ipykernel_1234/2771.py:2
    svc.create_lora_training_client(base_model="Qwen/Qwen3-8B", rank=48)

  File ~/env/lib/python3.11/site-packages/tinker/lib/public_interfaces/service_client.py:200 in create_lora_training_client
    return self._create(...)

BadRequestError: Error code: 400 - {'detail': 'rank must be a power of 2'}`);

const DURING_HANDLING = lines(`Traceback (most recent call last):
  File "/tmp/ipykernel_99/cell-5.py", line 3, in <module>
    fb.result()
  File "/env/lib/python3.11/site-packages/tinker/lib/api_future_impl.py", line 558, in _result_async
    raise RequestFailedError(
tinker.RequestFailedError: Request failed: max() iterable argument is empty for self.request_id='req-1' and expected type self.model_cls=ForwardBackwardOutput

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/tmp/ipykernel_99/cell-5.py", line 5, in <module>
    tc.optim_step(adam).result()
RuntimeError: A previous request failed; this TrainingClient is poisoned and cannot accept further requests.`);

describe('parseTraceback', () => {
  it('splits a chained IPython traceback, root cause first', () => {
    const segments = parseTraceback(
      IPYTHON_CHAINED,
      'APIConnectionError',
      'Connection error.'
    );
    expect(segments.map(s => s.type)).toEqual([
      'ConnectError',
      'APIConnectionError'
    ]);
    expect(segments[0].message).toBe('[Errno 111] Connection refused');
    expect(failingLine(segments)).toBe(3);
  });

  it('reads the older <ipython-input-…> frames and their arrows', () => {
    const segments = parseTraceback(OLD_IPYTHON);
    expect(segments).toHaveLength(1);
    expect(segments[0].type).toBe('ValueError');
    expect(failingLine(segments)).toBe(2);
  });

  it('reads the ipykernel file frame form (File /tmp/ipykernel_…:N)', () => {
    const segments = parseTraceback(PLAIN_KERNEL_FILE);
    expect(segments[0].type).toBe('BadRequestError');
    expect(segments[0].message).toContain('rank must be a power of 2');
    expect(failingLine(segments)).toBe(2);
  });

  it('keeps both exceptions of "During handling…" and the outer line', () => {
    const segments = parseTraceback(DURING_HANDLING);
    expect(segments.map(s => s.type)).toEqual([
      'tinker.RequestFailedError',
      'RuntimeError'
    ]);
    expect(segments[0].message).toContain('max() iterable argument is empty');
    expect(failingLine(segments)).toBe(5);
    // Decoded at the root cause: its own line in the cell.
    expect(failingLine(segments, 0)).toBe(3);
  });

  it('takes the deepest frame of the cell that ran, skipping others', () => {
    const own = lines(`Cell In[3], line 6
----> 6 step(batch)

Cell In[3], line 4, in step(b)
----> 4     return tc.forward_backward(b, "cross_entropy").result()

File ~/env/lib/python3.11/site-packages/tinker/lib/sync_only.py:77, in wrapper()

ValueError: boom`);
    expect(failingLine(parseTraceback(own))).toBe(4);
    const other = lines(`Cell In[5], line 1
----> 1 step(batch)

Cell In[3], line 4, in step(b)
----> 4     return tc.forward_backward(b, "cross_entropy").result()

ValueError: boom`);
    expect(failingLine(parseTraceback(other))).toBe(1);
  });

  it('falls back to ename and evalue when there is no traceback', () => {
    const segments = parseTraceback([], 'RateLimitError', 'Error code: 429');
    expect(segments).toEqual([
      { type: 'RateLimitError', message: 'Error code: 429', cellFrames: [] }
    ]);
    expect(failingLine(segments)).toBeNull();
  });
});
