import { IRuleModule } from '../types';

// TODO(scaffold): the loop-shape rules are being written; this module emits
// nothing until then and declares no codes, so the case runner skips them.
export const loopShapeRules: IRuleModule = {
  name: 'loop-shape',
  codes: [],
  run: () => ({ findings: [], checked: [] })
};
