/**
 * The timing charts, end to end: the step breakdown and the timeline drawn
 * from a fixture run folder, their values, a 100,000-line metrics file read
 * without blocking the page, and the README screenshots.
 */
import { expect, IJupyterLabPageFixture, test } from '@jupyterlab/galata';
import * as path from 'path';
import { codeCell, docsScreenshot, notebook } from './utils';

const FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'run');
const OPEN = 'tinker-doctor:open-timing';

function section(page: IJupyterLabPageFixture, chart: 'steps' | 'timeline') {
  return page.locator(`.jp-TinkerDoctor-timing [data-chart="${chart}"]`);
}

/** Cell texts of the data table, row by row (header included). */
async function tableRows(
  page: IJupyterLabPageFixture,
  chart: 'steps' | 'timeline'
): Promise<string[][]> {
  return section(page, chart)
    .locator('.jp-TinkerDoctor-chartTable tr')
    .evaluateAll(rows =>
      rows.map(r =>
        Array.from(r.children).map(c => (c.textContent ?? '').trim())
      )
    );
}

/** A metrics file of `lines` steps, as the cookbook writes it. */
function bigMetrics(lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const sampling = 4 + (i % 5) / 10;
    out.push(
      JSON.stringify({
        step: i,
        'train/loss': 1 / (1 + i),
        'time/sampling': sampling,
        'time/train': 5,
        'time/total': sampling + 5 + 2
      })
    );
  }
  return out.join('\n') + '\n';
}

interface ILoadMeasure {
  elapsed: number;
  /** Longest task (ms) seen by a `longtask` PerformanceObserver. */
  longest: number;
  /** Longest gap (ms) between animation frames. */
  frameGap: number;
}

/** Open `metricsPath` in the timing view while watching the main thread. */
async function measureLoad(
  page: IJupyterLabPageFixture,
  metricsPath: string
): Promise<ILoadMeasure> {
  await page.evaluate(() => {
    const w = window as any;
    w.__tdLongTasks = [];
    w.__tdFrameGap = 0;
    w.__tdObserver = new PerformanceObserver(list => {
      for (const e of list.getEntries()) {
        w.__tdLongTasks.push(e.duration);
      }
    });
    w.__tdObserver.observe({ type: 'longtask', buffered: false });
    let last = performance.now();
    w.__tdWatching = true;
    const frame = (now: number) => {
      w.__tdFrameGap = Math.max(w.__tdFrameGap, now - last);
      last = now;
      if (w.__tdWatching) {
        requestAnimationFrame(frame);
      }
    };
    requestAnimationFrame(frame);
  });
  const started = Date.now();
  await page.evaluate(
    ([cmd, p]) =>
      (window as any).jupyterapp.commands.execute(cmd, { metricsPath: p }),
    [OPEN, metricsPath]
  );
  await expect(section(page, 'steps')).toHaveAttribute('data-state', 'ready', {
    timeout: 60000
  });
  const elapsed = Date.now() - started;
  const seen = await page.evaluate(() => {
    const w = window as any;
    w.__tdWatching = false;
    w.__tdObserver.disconnect();
    return {
      longest: Math.max(0, ...w.__tdLongTasks),
      frameGap: w.__tdFrameGap
    };
  });
  return { elapsed, ...seen };
}

test.describe('Timing charts', () => {
  test('draws the step breakdown and the timeline from a run folder', async ({
    page,
    tmpPath
  }) => {
    for (const name of [
      'metrics.jsonl',
      'timeline.json',
      'trace_events.jsonl'
    ]) {
      await page.contents.uploadFile(
        path.join(FIXTURES, name),
        `${tmpPath}/run/${name}`
      );
    }
    await page.evaluate(
      ([cmd, dir]) =>
        (window as any).jupyterapp.commands.execute(cmd, {
          metricsPath: `${dir}/run`,
          timelinePath: `${dir}/run/timeline.json`
        }),
      [OPEN, tmpPath]
    );

    const steps = section(page, 'steps');
    await expect(steps).toHaveAttribute('data-state', 'ready');
    // The half-written last line is a note, not an error.
    await expect(steps.locator('.jp-TinkerDoctor-chartNotes')).toContainText(
      'line 7 is incomplete (still being written?); skipped'
    );
    await expect(steps.locator('canvas')).toHaveCount(1);
    const rows = await tableRows(page, 'steps');
    expect(rows[0]).toEqual([
      'step',
      'time/sampling',
      'time/train',
      'time/assemble_training_data',
      '(untraced gap)',
      'time/total'
    ]);
    expect(rows.slice(1)).toEqual([
      ['0', '20.00', '9.00', '0.50', '5.50', '35.00'],
      ['1', '4.00', '5.00', '0.30', '2.70', '12.00'],
      ['2', '4.20', '5.10', '0.30', '2.80', '12.40'],
      ['3', '4.00', '5.00', '0.30', '21.70', '31.00'],
      ['4', '4.10', '5.20', '0.30', '2.50', '12.10'],
      ['5', '3.90', '4.90', '0.30', '2.70', '11.80']
    ]);
    // Hovering step 3 shows its gap in uPlot's legend.
    const over = steps.locator('.u-over');
    const box = (await over.boundingBox())!;
    await page.mouse.move(
      box.x + (box.width * 3.5) / 6,
      box.y + box.height / 2
    );
    await expect(steps.locator('.u-legend')).toContainText('21.70 s');

    const timeline = section(page, 'timeline');
    await expect(timeline).toHaveAttribute('data-state', 'ready');
    // Two cell runs from the agent, then the cookbook trace's six steps.
    await expect(timeline.locator('option')).toHaveCount(8);
    await timeline
      .locator('select')
      .selectOption({ label: 'Cookbook trace, step 3' });
    await expect(timeline.locator('.jp-TinkerDoctor-chartStatus')).toHaveText(
      '4 span(s) from the cookbook trace.'
    );
    expect((await tableRows(page, 'timeline')).slice(1)).toEqual([
      ['span', 'sampling', '0.00', '4.00', '4.00'],
      ['span', 'assemble_training_data', '4.00', '4.30', '0.30'],
      ['span', 'train', '4.30', '9.30', '5.00'],
      ['span', 'forward_backward_async', '4.30', '4.32', '0.02']
    ]);
    await timeline.locator('select').selectOption({ index: 0 });
    await expect(timeline.locator('.jp-TinkerDoctor-chartStatus')).toHaveText(
      '6 request(s), 2 wait(s), 1 stall(s).'
    );
    const bars = await tableRows(page, 'timeline');
    expect(bars.slice(1)).toEqual([
      ['request', 'forward_backward', '0.20', '3.00', '2.80'],
      ['request', 'optim_step', '0.40', '3.40', '3.00'],
      ['request', 'forward_backward', '3.50', '6.80', '3.30'],
      ['request', 'optim_step', '3.60', '7.20', '3.60'],
      ['request', 'sample', '7.50', '11.00', '3.50'],
      ['request', 'sample (not ended)', '7.60', '12.00', '4.40'],
      ['wait', 'AwaitableConcurrentFuture.result', '0.50', '3.40', '2.90'],
      ['wait', 'AwaitableConcurrentFuture.result', '3.70', '7.20', '3.50'],
      ['stall', 'GIL stall 1500 ms', '8.00', '9.50', '1.50']
    ]);

    // The trace export is a download of valid trace-event JSON.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      timeline.getByRole('button', { name: 'Export trace' }).click()
    ]);
    expect(download.suggestedFilename()).toBe('tinker-doctor-trace.json');
    const stream = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
    }
    const trace = JSON.parse(Buffer.concat(chunks).toString('utf-8'));
    const slices = trace.traceEvents.filter((e: any) => e.ph === 'X');
    expect(slices).toHaveLength(10);

    // The PNG export is a real PNG.
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      steps.getByRole('button', { name: 'Save PNG' }).click()
    ]);
    expect(png.suggestedFilename()).toBe('step-breakdown.png');
    const pngBytes: Buffer[] = [];
    for await (const chunk of await png.createReadStream()) {
      pngBytes.push(chunk as Buffer);
    }
    // The PNG signature, then an IHDR chunk.
    expect(Buffer.concat(pngBytes).subarray(0, 16).toString('hex')).toBe(
      '89504e470d0a1a0a0000000d49484452'
    );

    await steps.screenshot({
      path: docsScreenshot('chart-steps.png')
    });
    await timeline.screenshot({
      path: docsScreenshot('chart-timeline.png')
    });

    // Dark theme: the charts are redrawn with the theme's colours.
    await page.theme.setDarkTheme();
    const background = await page
      .locator('.jp-TinkerDoctor-timing')
      .evaluate(n => getComputedStyle(n).backgroundColor);
    expect(background).not.toBe('rgb(255, 255, 255)');
    await expect(timeline.locator('canvas')).toHaveCount(1);
    await timeline.screenshot({
      path: docsScreenshot('chart-timeline-dark.png')
    });
    await page.theme.setLightTheme();
  });

  test('proposes the log_path of the current notebook as the run folder', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadFile(
      path.join(FIXTURES, 'metrics.jsonl'),
      `${tmpPath}/runs/rl-1/metrics.jsonl`
    );
    await page.contents.uploadContent(
      notebook([
        codeCell('cfg', 'cfg = train.Config(\n    log_path="runs/rl-1",\n)')
      ]),
      'text',
      `${tmpPath}/train.ipynb`
    );
    await page.notebook.openByPath(`${tmpPath}/train.ipynb`);
    // The model is filled after the tab opens: wait for the cell's text.
    await expect(page.locator('.jp-Notebook .jp-Cell').first()).toContainText(
      'log_path'
    );
    await page.evaluate(
      cmd => (window as any).jupyterapp.commands.execute(cmd),
      OPEN
    );
    await page
      .locator('.jp-TinkerDoctor-timing')
      .getByRole('button', { name: 'Open run folder…' })
      .click();
    const dialog = page.locator('.jp-Dialog');
    await expect(dialog).toContainText('found in cell 1');
    await expect(dialog.locator('input')).toHaveValue(`${tmpPath}/runs/rl-1`);
    await dialog.getByRole('button', { name: /ok/i }).click();
    const steps = section(page, 'steps');
    await expect(steps).toHaveAttribute('data-state', 'ready');
    await expect(steps.locator('.jp-TinkerDoctor-chartStatus')).toHaveText(
      `${tmpPath}/runs/rl-1/metrics.jsonl: 6 steps.`
    );
  });

  test('reads a 100,000-line metrics file without blocking the page', async ({
    page,
    tmpPath
  }) => {
    await page.contents.uploadContent(
      bigMetrics(100_000),
      'text',
      `${tmpPath}/big/metrics.jsonl`
    );
    // The machine is shared (builds run beside the tests), so a long task
    // can come from CPU contention rather than from this page: measure up
    // to two loads and judge the better one. A reader that blocks fails both.
    const results: ILoadMeasure[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await measureLoad(page, `${tmpPath}/big/metrics.jsonl`);
      results.push(result);
      console.log(
        `100,000-line metrics (attempt ${attempt + 1}): ready in ` +
          `${result.elapsed} ms, longest task ${Math.round(result.longest)} ` +
          `ms, longest frame gap ${Math.round(result.frameGap)} ms`
      );
      if (result.longest < 200 && result.frameGap < 250) {
        break;
      }
    }
    const best = results.reduce((a, b) => (a.longest <= b.longest ? a : b));
    expect(best.longest).toBeLessThan(200);
    expect(best.frameGap).toBeLessThan(250);
    const steps = section(page, 'steps');
    await expect(steps.locator('.jp-TinkerDoctor-chartStatus')).toContainText(
      '100000 steps'
    );
    await expect(steps.locator('.jp-TinkerDoctor-chartNotes')).toContainText(
      'each bar shows the mean of 250 consecutive steps'
    );
  });
});
