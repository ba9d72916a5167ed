/**
 * Loop-shape rules on training loops: premature waits (TD110), weight syncs
 * per prompt (TD111), futures never waited on (TD112).
 */
import {
  analyse,
  factsWith,
  SETUP,
  SETUP_NEW,
  src,
  where
} from './analysisHelpers';

const LOOP = ['TD110', 'TD111', 'TD112'];

describe('TD110: a training future waited on before the next submission', () => {
  it('flags result_async before optim_step_async (pre-0.38 style)', () => {
    const findings = analyse([
      SETUP,
      src(
        'for batch in batches:',
        '    fb = await tc.forward_backward_async(batch, "cross_entropy")',
        '    out = await fb.result_async()',
        '    op = await tc.optim_step_async(types.AdamParams(learning_rate=1e-4))',
        '    await op.result_async()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:3']);
    const evidence = findings.find(f => f.code === 'TD110')!.evidence;
    expect(evidence).toMatch(/pre-0\.38 semantics assumed/);
  });

  it('flags awaiting the plain method in SDK 0.38', () => {
    const findings = analyse(
      [
        SETUP_NEW,
        src(
          'for step, batch in enumerate(batches):',
          '    fwd = await tc.forward_backward(batch, "cross_entropy")',
          '    await tc.optim_step(adam)'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:2']);
    expect(findings[0].evidence).toMatch(/tinker 0\.38\.0/);
  });

  it('flags .result() before optim_step in a for loop over a loader', () => {
    const findings = analyse([
      SETUP,
      src(
        'for batch in loader:',
        '    out = tc.forward_backward(batch, "cross_entropy").result()',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:2']);
  });

  it('flags a wait through a future variable in a while loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'step = 0',
        'while step < 100:',
        '    fb = tc.forward_backward(next(it), "cross_entropy")',
        '    loss = fb.result().loss',
        '    opt = tc.optim_step(adam)',
        '    opt.result()',
        '    step += 1'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:4']);
  });

  it('flags an async for loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'async for batch in stream():',
        '    f = tc.forward_backward(batch, "cross_entropy")',
        '    await f',
        '    await tc.optim_step(adam)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:3']);
  });

  it('flags a comprehension that waits on each call', () => {
    const findings = analyse([
      SETUP,
      'outs = [tc.forward_backward(b, "cross_entropy").result() for b in bs]'
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:1']);
  });

  it('flags the wait inside a step function called from a loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'def train_step(client, batch):',
        '    out = client.forward_backward(batch, "cross_entropy").result()',
        '    client.optim_step(adam).result()',
        '    return out'
      ),
      src('for batch in batches:', '    train_step(tc, batch)')
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:2']);
  });

  it('follows methods of a notebook class (self attributes)', () => {
    const findings = analyse([
      src(
        'class Trainer:',
        '    def __init__(self, svc):',
        '        self.tc = svc.create_lora_training_client(base_model="m")',
        '    def step(self, batch):',
        '        f = self.tc.forward_backward(batch, "cross_entropy")',
        '        f.result()',
        '        self.tc.optim_step(adam).result()'
      ),
      src('trainer = Trainer(svc)', 'for b in batches:', '    trainer.step(b)')
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@0:6']);
  });

  it('flags minibatch waits in an inner loop before optim_step', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step in range(10):',
        '    for mb in minibatches(step):',
        '        f = tc.forward_backward(mb, "cross_entropy")',
        '        f.result()',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD110')).toContain('TD110@1:4');
  });

  it('flags a loop that prepares the next batch only after both waits', () => {
    const findings = analyse([
      SETUP,
      src(
        'batch = make_batch(0)',
        'for step in range(num_steps):',
        '    fb = tc.forward_backward(batch, loss_fn="cross_entropy")',
        '    opt = tc.optim_step(adam)',
        '    loss = fb.result().metrics["loss:sum"]',
        '    opt.result()',
        '    batch = make_batch(step + 1)',
        '    print(step, loss)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD110@1:5']);
    expect(findings[0].evidence).toMatch(/next batch \(batch\)/);
  });

  it('does not flag on-policy data sampled from the new weights', () => {
    const findings = analyse([
      SETUP,
      src(
        'for i in range(n):',
        '    fb = tc.forward_backward(data, "importance_sampling")',
        '    op = tc.optim_step(adam)',
        '    fb.result(); op.result()',
        '    sc = tc.save_weights_and_get_sampling_client()',
        '    data = build(sc.sample(prompt, 8, params).result())'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag a periodic evaluation with forward()', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step in range(n):',
        '    if step % 50 == 0:',
        '        ev = tc.forward(eval_batch, "cross_entropy").result()',
        '    fb = tc.forward_backward(batches[step], "cross_entropy")',
        '    op = tc.optim_step(adam)',
        '    fb.result(); op.result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag logging after the waits', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step, batch in enumerate(loader):',
        '    fb = tc.forward_backward(batch, loss_fn="cross_entropy")',
        '    opt = tc.optim_step(adam)',
        '    loss = fb.result().metrics["loss:sum"]',
        '    opt.result()',
        '    metrics = {"loss": loss}',
        '    logger.log(metrics)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('knows client variables from the facts when the code does not show', () => {
    const facts = factsWith('0.38.0', {
      clients: [{ kind: 'TrainingClient', variable: 'model' }]
    });
    const loop = src(
      'for b in eval_batches:',
      '    out = model.forward(b, "cross_entropy").result()'
    );
    expect(where(analyse([loop], facts), 'TD110')).toEqual(['TD110@0:2']);
    expect(where(analyse([loop]), 'TD110')).toEqual([]);
  });

  it('flags a wait on a future from an earlier cell before a submission', () => {
    const findings = analyse([
      SETUP,
      'fb = tc.forward_backward(batches[0], "cross_entropy")',
      src(
        'for b in batches[1:]:',
        '    fb.result()',
        '    fb = tc.forward_backward(b, "cross_entropy")'
      )
    ]);
    expect(where(findings, 'TD110')).toEqual(['TD110@2:2']);
  });

  it('does not flag the pipelined loop (submit both, prepare, wait)', () => {
    const findings = analyse([
      SETUP,
      src(
        'batch = make_batch(0)',
        'for step in range(num_steps):',
        '    fb = tc.forward_backward(batch, loss_fn="cross_entropy")',
        '    opt = tc.optim_step(adam)',
        '    batch = make_batch(step + 1)',
        '    loss = fb.result().metrics["loss:sum"]',
        '    opt.result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag the 0.38 pipelined loop with awaits', () => {
    const findings = analyse(
      [
        SETUP_NEW,
        src(
          'for batch in batches:',
          '    fwd_future = tc.forward_backward(batch, "cross_entropy")',
          '    opt_future = tc.optim_step(adam)',
          '    nxt = prepare(batch)',
          '    fwd = await fwd_future',
          '    await opt_future'
        )
      ],
      factsWith('0.38.0')
    );
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag old-style submissions awaited only to submit', () => {
    const findings = analyse([
      SETUP,
      src(
        'for batch in batches:',
        '    f1 = await tc.forward_backward_async(batch, "cross_entropy")',
        '    f2 = await tc.optim_step_async(adam)',
        '    await f1.result_async()',
        '    await f2.result_async()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag futures gathered in a list and waited after', () => {
    const findings = analyse([
      SETUP,
      src(
        'futs = [tc.forward_backward(b, "cross_entropy") for b in bs]',
        'opt = tc.optim_step(adam)',
        'outs = [f.result() for f in futs]',
        'opt.result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not flag waits outside any loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'out = tc.forward_backward(batch, "cross_entropy").result()',
        'tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('does not read names in strings or comments', () => {
    const findings = analyse([
      SETUP,
      src(
        'for b in batches:',
        '    # fb = tc.forward_backward(b, "ce").result(); tc.optim_step(a)',
        '    log("tc.forward_backward(b).result() then tc.optim_step()")',
        '    """tc.forward_backward(b).result()',
        '    tc.optim_step(a)"""'
      )
    ]);
    expect(where(findings)).toEqual([]);
  });

  it("does not flag the cookbook's training entry points", () => {
    const findings = analyse([
      src(
        'import chz',
        'from tinker_cookbook.supervised import train',
        'from tinker_cookbook.rl import train as rl_train'
      ),
      src(
        'config = chz.Blueprint(train.Config).apply({"log_path": p})',
        'for lr in [1e-4, 3e-4]:',
        '    train.main(config.make())',
        '    await rl_train.main(rl_config)'
      )
    ]);
    expect(where(findings)).toEqual([]);
  });

  it('does not flag sampling waits in a loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'sc = tc.save_weights_and_get_sampling_client()',
        'for step in range(10):',
        '    r = sc.sample(prompt, 1, params).result()',
        '    fb = tc.forward_backward(build(r), "importance_sampling")',
        '    op = tc.optim_step(adam)',
        '    fb.result(); op.result()'
      )
    ]);
    expect(where(findings, 'TD110')).toEqual([]);
  });
});

describe('TD111: weights synced for every prompt or sample', () => {
  it('flags save_weights_and_get_sampling_client in a loop over prompts', () => {
    const findings = analyse([
      SETUP,
      src(
        'for prompt in prompts:',
        '    sc = tc.save_weights_and_get_sampling_client()',
        '    res = sc.sample(prompt, num_samples=4, sampling_params=p).result()'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD111@1:2']);
  });

  it('flags save_weights_for_sampler in an inner loop over samples', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step in range(steps):',
        '    for i, sample in enumerate(samples):',
        '        path = tc.save_weights_for_sampler(name=f"s{i}").result().path',
        '        sc = service_client.create_sampling_client(model_path=path)',
        '        grade(sc, sample)',
        '    tc.forward_backward(data, "cross_entropy")',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD111')).toEqual(['TD111@1:3']);
  });

  it('does not flag a periodic sync in the training loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step in range(n):',
        '    fb = tc.forward_backward(batch, "cross_entropy")',
        '    op = tc.optim_step(adam)',
        '    fb.result(); op.result()',
        '    if step % 20 == 0:',
        '        sampler = tc.save_weights_and_get_sampling_client()'
      )
    ]);
    expect(where(findings, 'TD111')).toEqual([]);
  });

  it('does not flag a loop over steps that trains through a helper', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step in range(n):',
        '    sc = tc.save_weights_and_get_sampling_client()',
        '    rollouts = [sc.sample(p, 1, params) for p in prompts]',
        '    do_train_step(tc, rollouts)'
      )
    ]);
    expect(where(findings, 'TD111')).toEqual([]);
  });
});

describe('TD112: training futures never waited on', () => {
  it('does not flag forward_backward on an object that is not Tinker', () => {
    const findings = analyse([
      src(
        'import torch',
        'for i in range(10):',
        '    f = executor.submit(work, i)',
        '    f.result()',
        '    model.forward_backward(x)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual([]);
  });

  it('flags it on a name that reads as a training client', () => {
    const findings = analyse([
      src('for b in loader:', '    training_client.forward_backward(b, "ce")')
    ]);
    expect(where(findings, 'TD112')).toEqual(['TD112@0:2']);
  });

  it('flags dropped futures in a range loop', () => {
    const findings = analyse([
      SETUP,
      src(
        'for i in range(2000):',
        '    tc.forward_backward(batches[i % 8], "cross_entropy")',
        '    tc.optim_step(adam)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD112@1:2', 'TD112@1:3']);
  });

  it('flags futures assigned and never used', () => {
    const findings = analyse([
      SETUP,
      src(
        'for batch in loader:',
        '    fb = tc.forward_backward(batch, "cross_entropy")',
        '    op = tc.optim_step(adam)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD112@1:2', 'TD112@1:3']);
  });

  it('flags old-style submissions whose futures are dropped', () => {
    const findings = analyse([
      SETUP,
      src(
        'async def run():',
        '    for batch in loader:',
        '        await tc.forward_backward_async(batch, "cross_entropy")',
        '        await tc.optim_step_async(adam)'
      )
    ]);
    expect(where(findings, ...LOOP)).toEqual(['TD112@1:3', 'TD112@1:4']);
  });

  it('does not flag when the loop waits on the optimizer step', () => {
    const findings = analyse([
      SETUP,
      src(
        'for batch in loader:',
        '    tc.forward_backward(batch, "cross_entropy")',
        '    tc.optim_step(adam).result()'
      )
    ]);
    expect(where(findings, 'TD112')).toEqual([]);
  });

  it('does not flag when the loop waits on a save of the same client', () => {
    const findings = analyse([
      SETUP,
      src(
        'for step, batch in enumerate(loader):',
        '    tc.forward_backward(batch, "cross_entropy")',
        '    tc.optim_step(adam)',
        '    tc.save_state(f"step-{step}").result()'
      )
    ]);
    expect(where(findings, 'TD112')).toEqual([]);
  });

  it('does not flag futures kept for later', () => {
    const findings = analyse([
      SETUP,
      src(
        'futures = []',
        'for batch in loader:',
        '    futures.append(tc.forward_backward(batch, "cross_entropy"))',
        '    last = tc.optim_step(adam)',
        'last.result()'
      )
    ]);
    expect(where(findings, 'TD112')).toEqual([]);
  });
});
