import { CATALOGUE, makeFinding, STEPS } from '../../src/engine/catalogue';
import { diagnose } from '../../src/engine/diagnose';

describe('catalogue', () => {
  it('places every code in a step that the panel shows', () => {
    const steps = new Set(STEPS.map(s => `${s.path}/${s.id}`));
    for (const [code, entry] of Object.entries(CATALOGUE)) {
      expect(steps.has(`${entry.path}/${entry.step}`)).toBe(true);
      expect(code).toMatch(/^TD[1-5]\d\d$/);
    }
  });

  it('fills path, step and defaults from the code', () => {
    const f = makeFinding('TD101', { evidence: 'pydantic 2.13.0b2' });
    expect(f.path).toBe('performance');
    expect(f.step).toBe('environment');
    expect(f.severity).toBe('error');
    expect(f.cellIndex).toBeNull();
  });

  it('rejects codes outside the catalogue', () => {
    expect(() => makeFinding('TD999', { evidence: '' })).toThrow(/TD999/);
  });
});

describe('diagnose', () => {
  it('marks steps not checked when given nothing', () => {
    const result = diagnose({});
    expect(result.findings).toEqual([]);
    expect(result.steps.every(s => s.status === 'not-checked')).toBe(true);
  });
});
