/**
 * Blocking Tinker calls in async code (TD113) and on the SDK thread through
 * done-callbacks (TD114).
 */
import {
  analyse,
  factsWith,
  SETUP,
  SETUP_NEW,
  src,
  where
} from './analysisHelpers';

describe('TD113: a blocking Tinker call inside async def', () => {
  it('flags .result() on a training future', () => {
    const findings = analyse([
      SETUP,
      src(
        'async def step(batch):',
        '    f = tc.forward_backward(batch, "cross_entropy")',
        '    out = f.result()',
        '    return out'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual(['TD113@1:3']);
    expect(findings.find(f => f.code === 'TD113')!.fix).toMatch(
      /`await f` \(or `await f\.result_async\(\)`\)/
    );
  });

  it('flags .result() chained on a sample call', () => {
    const findings = analyse([
      SETUP,
      src(
        'async def rollout(sampling_client, prompt):',
        '    return sampling_client.sample(prompt, 1, params).result()'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual(['TD113@1:2']);
  });

  it('flags a sync-only creation when the code is pre-0.38 style', () => {
    const findings = analyse([
      SETUP,
      'fut = await tc.forward_backward_async(batch, "cross_entropy")',
      src(
        'async def make_client(svc):',
        '    return svc.create_lora_training_client(base_model="m", rank=8)'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual(['TD113@2:2']);
    const evidence = findings.find(f => f.code === 'TD113')!.evidence;
    expect(evidence).toMatch(/pre-0\.38/);
  });

  it('does not flag the creation in 0.38, where it returns a future', () => {
    const findings = analyse(
      [
        SETUP_NEW,
        src(
          'async def make_client(svc):',
          '    return svc.create_lora_training_client(base_model="m", rank=8)'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD113')).toEqual([]);
  });

  it('flags creation and get_info() in async def when the version is unknown', () => {
    const findings = analyse([
      src(
        'import tinker',
        'async def setup():',
        '    sc = tinker.ServiceClient()',
        "    tc = sc.create_lora_training_client(base_model='Qwen/Qwen3-8B')",
        '    info = tc.get_info()',
        '    return tc',
        'tc = await setup()'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual(['TD113@0:4', 'TD113@0:5']);
  });

  it('does not flag get_info() on an awaited client in 0.38', () => {
    const findings = analyse(
      [
        src(
          'import tinker',
          'async def setup():',
          '    sc = tinker.ServiceClient()',
          '    tc = await sc.create_lora_training_client(base_model="m")',
          '    return tc.get_info()'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD113')).toEqual([]);
  });

  it('flags get_server_capabilities() in async code in 0.38', () => {
    const findings = analyse(
      [
        SETUP_NEW,
        src(
          'async def check(service_client):',
          '    caps = service_client.get_server_capabilities()'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD113')).toEqual(['TD113@1:2']);
  });

  it('flags a client-creation future used as the client in async code', () => {
    const findings = analyse(
      [
        src(
          'svc = tinker.ServiceClient()',
          'tc = svc.create_lora_training_client(base_model="m")'
        ),
        src('async def info():', '    return tc.get_tokenizer()')
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, 'TD113')).toEqual(['TD113@1:2']);
  });

  it('follows a future made in an earlier cell', () => {
    const findings = analyse([
      SETUP,
      'fb = tc.forward_backward(batch, "cross_entropy")',
      src('async def report():', '    print(fb.result().metrics)')
    ]);
    expect(where(findings, 'TD113')).toEqual(['TD113@2:2']);
  });

  it("does not take a local variable for an earlier cell's future", () => {
    const findings = analyse([
      SETUP,
      'fb = tc.forward_backward(batch, "cross_entropy")',
      src(
        'async def report(pool):',
        '    fb = pool.submit(work)',
        '    print(fb.result())'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual([]);
  });

  it('does not flag awaited calls', () => {
    const findings = analyse([
      SETUP_NEW,
      src(
        'async def step(batch):',
        '    f = tc.forward_backward(batch, "cross_entropy")',
        '    o = tc.optim_step(adam)',
        '    out = await f',
        '    await o.result_async()',
        '    return out'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual([]);
  });

  it('does not flag .result() in a plain def or at top level', () => {
    const findings = analyse([
      SETUP,
      src(
        'def step(batch):',
        '    return tc.forward_backward(batch, "cross_entropy").result()',
        'x = await something()',
        'y = tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual([]);
  });

  it('does not flag .result() on futures that are not Tinker futures', () => {
    const findings = analyse([
      src(
        'async def work(pool, job):',
        '    fut = pool.submit(job)',
        '    return fut.result()'
      )
    ]);
    expect(where(findings, 'TD113')).toEqual([]);
  });
});

describe('TD114: a blocking Tinker call on the SDK thread', () => {
  it('flags .result() inside a named done-callback', () => {
    const findings = analyse([
      SETUP,
      src(
        'def checkpoint(f):',
        '    tc.save_state("after-step").result()',
        '',
        'opt = tc.optim_step(adam)',
        'opt.future().add_done_callback(checkpoint)'
      )
    ]);
    expect(where(findings, 'TD114', 'TD113')).toEqual(['TD114@1:2']);
  });

  it('flags a client created inside a callback defined in another cell', () => {
    const findings = analyse([
      SETUP,
      src('def on_done(f):', '    extra = tinker.ServiceClient()'),
      src(
        'fb = tc.forward_backward(batch, "cross_entropy")',
        'fb.future().add_done_callback(on_done)'
      )
    ]);
    expect(where(findings, 'TD114')).toEqual(['TD114@1:2']);
  });

  it('flags a lambda callback that waits', () => {
    const findings = analyse([
      SETUP,
      src(
        'fb = tc.forward_backward(batch, "cross_entropy")',
        'fb.future().add_done_callback(',
        '    lambda f: tc.save_weights_for_sampler(name="x").result())'
      )
    ]);
    expect(where(findings, 'TD114')).toEqual(['TD114@1:3']);
  });

  it('does not flag a callback reading its own finished future', () => {
    const findings = analyse([
      SETUP,
      src(
        'def log_loss(f):',
        '    print(f.result().metrics)',
        'fb = tc.forward_backward(batch, "cross_entropy")',
        'fb.future().add_done_callback(log_loss)',
        'fb.future().add_done_callback(lambda g: losses.append(g.result()))'
      )
    ]);
    expect(where(findings, 'TD114')).toEqual([]);
  });

  it('flags a queue-state observer that waits', () => {
    const findings = analyse([
      SETUP,
      src(
        'class Watch(QueueStateObserver):',
        '    def on_queue_state_change(self, state, reason):',
        '        tc.save_state("paused").result()'
      )
    ]);
    expect(where(findings, 'TD114')).toEqual(['TD114@1:3']);
  });

  it('does not flag a blocking function that is not a callback', () => {
    const findings = analyse([
      SETUP,
      src(
        'def checkpoint():',
        '    tc.save_state("x").result()',
        'checkpoint()'
      )
    ]);
    expect(where(findings, 'TD114')).toEqual([]);
  });
});
