/**
 * @jest-environment jsdom
 */
/**
 * The panel shows a step's notes under the step (e.g. why the renderer
 * tokens were not compared), as text, never as HTML.
 */
import { diagnose } from '../../src/engine/diagnose';
import { renderPaths } from '../../src/ui/triageView';

describe('step notes in the triage view', () => {
  it('shows why the renderer tokens step was not checked, as text', () => {
    const diagnosis = diagnose({
      facts: {
        schema: 'tinker-doctor/facts@1',
        checks: {
          renderer: {
            model: 'Qwen/Qwen3-8B',
            renderer: 'qwen3',
            error: 'not available offline <img src=x onerror=alert(1)>'
          }
        }
      }
    });
    const root = renderPaths(diagnosis, {
      actions: new Map(),
      jump: () => undefined,
      cellIds: []
    });
    const step = root.querySelector(
      '[data-path="renderer"] [data-step="tokens"]'
    )!;
    expect(step.getAttribute('data-status')).toBe('not-checked');
    const note = step.querySelector('.jp-TinkerDoctor-stepNote')!;
    expect(note.textContent).toBe(
      'Tokens not compared: the renderer check could not run: not ' +
        'available offline <img src=x onerror=alert(1)>'
    );
    expect(step.querySelector('img')).toBeNull();
    // Other steps have no notes, and the general notes (shown below the
    // paths) do not repeat it.
    expect(root.querySelectorAll('.jp-TinkerDoctor-stepNote')).toHaveLength(1);
    expect(diagnosis.notes.join()).not.toContain('not available offline');
  });
});
