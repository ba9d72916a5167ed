import { readNotebook } from '../../src/engine/notebook';
import {
  findRunPaths,
  metricsFileFor,
  toContentsPath,
  traceFileFor
} from '../../src/ui/charts/runFolder';

function notebook(
  cells: { source: string; stream?: string; type?: string }[]
): ReturnType<typeof readNotebook> {
  return readNotebook({
    nbformat: 4,
    cells: cells.map((c, i) => ({
      cell_type: c.type ?? 'code',
      id: `c${i}`,
      source: c.source,
      outputs: c.stream
        ? [{ output_type: 'stream', name: 'stderr', text: c.stream }]
        : []
    }))
  });
}

describe('findRunPaths', () => {
  it('prefers the Wrote metrics log line over the source, latest first', () => {
    const nb = notebook([
      { source: "cfg = Config(log_path='/tmp/run-a')" },
      {
        source: 'train.main(cfg)',
        stream:
          'INFO Wrote metrics to /home/user/runs/a/metrics.jsonl.\n' +
          'INFO Wrote metrics to /home/user/runs/b/metrics.jsonl\n'
      }
    ]);
    expect(findRunPaths(nb)).toEqual([
      {
        path: '/home/user/runs/b/metrics.jsonl',
        cellIndex: 1,
        from: 'output'
      },
      {
        path: '/home/user/runs/a/metrics.jsonl',
        cellIndex: 1,
        from: 'output'
      },
      { path: '/tmp/run-a', cellIndex: 0, from: 'source' }
    ]);
  });

  it('reads log_path as a keyword, a dict entry or a CLI-style assignment', () => {
    const nb = notebook([
      { source: 'config = dict(\n    "log_path": "runs/x",\n)' },
      { source: 'log_path = "runs/y"' },
      { source: 'cfg = Config(log_path=f"runs/{name}")' },
      { source: 'log_path="runs/md"', type: 'markdown' }
    ]);
    expect(findRunPaths(nb).map(h => h.path)).toEqual(['runs/y', 'runs/x']);
  });
});

describe('run paths for the contents API', () => {
  it('maps kernel paths to server paths', () => {
    expect(toContentsPath('runs/x', 'work/nb')).toBe('work/nb/runs/x');
    expect(toContentsPath('./runs/../runs/x/', 'nb')).toBe('nb/runs/x');
    expect(toContentsPath('~/runs/x', 'nb')).toBe('runs/x');
    expect(toContentsPath('/srv/lab/runs/x', 'nb', '/srv/lab')).toBe('runs/x');
    expect(toContentsPath('/tmp/x', 'nb')).toBe('tmp/x');
  });

  it('finds the metrics and trace files of a folder or a file', () => {
    expect(metricsFileFor('runs/x')).toBe('runs/x/metrics.jsonl');
    expect(metricsFileFor('runs/x/metrics.jsonl')).toBe('runs/x/metrics.jsonl');
    expect(traceFileFor('runs/x/metrics.jsonl')).toBe(
      'runs/x/trace_events.jsonl'
    );
    expect(traceFileFor('runs/x')).toBe('runs/x/trace_events.jsonl');
  });
});
