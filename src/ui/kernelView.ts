/**
 * Renders the kernel's state and, while a cell runs, what the kernel is
 * doing now: the main thread's stack, the SDK's pending tasks and the
 * heartbeat age, from the watchdog's latest `status` event and its age;
 * and the kernel environment the probe read.
 */
import { IFacts, IFrame } from '../engine/facts';
import { IKernelState, ILiveStatus } from '../tokens';
import { button, el } from './dom';

/** Render the kernel state line and the Diagnose message. */
export function renderKernelState(
  state: IKernelState,
  message: string | null
): HTMLElement {
  const node = el('div', `jp-TinkerDoctor-kernel jp-mod-${state.phase}`);
  node.dataset.phase = state.phase;
  node.dataset.subshells = String(!!state.subshells);
  if (state.kernelName) {
    node.appendChild(
      el('div', 'jp-TinkerDoctor-kernelName', `Kernel: ${state.kernelName}`)
    );
  }
  node.appendChild(el('div', 'jp-TinkerDoctor-kernelMessage', state.message));
  if (message && message !== state.message) {
    node.appendChild(el('div', 'jp-TinkerDoctor-message', message));
  }
  return node;
}

/** Render "what the kernel is doing now", or null with nothing to show. */
export function renderLiveStatus(
  live: ILiveStatus | null,
  now: number,
  jump: (cellId: string, line: number | null) => void
): HTMLElement | null {
  if (!live) {
    return null;
  }
  const event = live.event;
  const node = el('div', 'jp-TinkerDoctor-live');
  const ageS = Math.max(0, (now - live.receivedAt) / 1000);
  node.appendChild(
    el(
      'h3',
      'jp-TinkerDoctor-liveTitle',
      `What the kernel is doing now (as of ${ageS.toFixed(0)} s ago)`
    )
  );
  const stack = Array.isArray(event.mainStack)
    ? (event.mainStack as IFrame[])
    : [];
  if (stack.length > 0) {
    node.appendChild(el('div', 'jp-TinkerDoctor-liveLabel', 'Main thread'));
    const list = el('ol', 'jp-TinkerDoctor-stack');
    // Innermost frame first: that is the line running now.
    for (const frame of [...stack].reverse().slice(0, 12)) {
      const item = el('li', 'jp-TinkerDoctor-frame');
      const text = Private.frameText(frame);
      if (frame.cellId) {
        const cellId = frame.cellId;
        item.appendChild(
          button('jp-TinkerDoctor-cellLink', text, () =>
            jump(cellId, frame.line ?? null)
          )
        );
      } else {
        item.textContent = text;
      }
      list.appendChild(item);
    }
    node.appendChild(list);
  }
  const sdk = (event.sdk ?? {}) as Record<string, unknown>;
  const facts: string[] = [];
  if (typeof sdk.loopLagMs === 'number') {
    facts.push(`SDK loop lag: ${sdk.loopLagMs.toFixed(0)} ms`);
  }
  if (typeof sdk.lastHeartbeatAgeS === 'number') {
    facts.push(`Last heartbeat: ${sdk.lastHeartbeatAgeS.toFixed(1)} s ago`);
  }
  const tasks = Array.isArray(sdk.pendingTasks) ? sdk.pendingTasks : [];
  facts.push(`SDK tasks pending: ${tasks.length}`);
  const summary = el('ul', 'jp-TinkerDoctor-liveFacts');
  facts.forEach(text => summary.appendChild(el('li', undefined, text)));
  node.appendChild(summary);
  if (tasks.length > 0) {
    const list = el('ul', 'jp-TinkerDoctor-tasks');
    for (const task of tasks.slice(0, 20) as Record<string, unknown>[]) {
      const name = String(task.coroutine ?? task.name ?? 'task');
      const age =
        typeof task.ageS === 'number' ? ` (${task.ageS.toFixed(1)} s)` : '';
      list.appendChild(el('li', 'jp-TinkerDoctor-task', `${name}${age}`));
    }
    node.appendChild(list);
  }
  return node;
}

namespace Private {
  /** "cell abc…, line 4 in step()" or "file.py:12 in f()". */
  export function frameText(frame: IFrame): string {
    const fn = frame.function ? ` in ${frame.function}()` : '';
    if (frame.cellId) {
      const index =
        typeof frame.cellIndex === 'number'
          ? `Cell ${frame.cellIndex + 1}`
          : 'Cell';
      return `${index}, line ${frame.line ?? '?'}${fn}`;
    }
    return `${frame.file ?? '?'}:${frame.line ?? '?'}${fn}`;
  }
}

/** Packages listed first in the environment summary. */
const CORE_PACKAGES = [
  'tinker',
  'tinker-cookbook',
  'pydantic',
  'pydantic-core',
  'transformers',
  'tokenizers',
  'torch',
  'numpy',
  'httpx'
];

/**
 * Render the interpreter and package versions the probe read, or null
 * before the first probe. Absent packages are left out.
 */
export function renderEnvironment(
  facts: IFacts | undefined
): HTMLElement | null {
  if (!facts || (!facts.python && !facts.packages)) {
    return null;
  }
  const node = el('div', 'jp-TinkerDoctor-environment');
  node.appendChild(el('h3', 'jp-TinkerDoctor-liveTitle', 'Kernel environment'));
  const list = el('ul', 'jp-TinkerDoctor-versions');
  const row = (name: string, version: string) => {
    const item = el('li', 'jp-TinkerDoctor-version');
    item.dataset.package = name;
    item.append(
      el('span', 'jp-TinkerDoctor-versionName', name),
      el('span', 'jp-TinkerDoctor-versionValue', version)
    );
    list.appendChild(item);
  };
  if (facts.python?.version) {
    row('python', facts.python.version);
  }
  const packages = facts.packages ?? {};
  const names = Object.keys(packages).sort((a, b) => {
    const ia = CORE_PACKAGES.indexOf(a);
    const ib = CORE_PACKAGES.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
  });
  for (const name of names) {
    const version = packages[name];
    if (typeof version === 'string') {
      row(name, version);
    }
  }
  node.appendChild(list);
  if (facts.python?.executable) {
    node.appendChild(
      el('div', 'jp-TinkerDoctor-executable', facts.python.executable)
    );
  }
  return node;
}
