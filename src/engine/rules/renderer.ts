import { IRuleModule } from '../types';

// TODO(scaffold): the renderer rules are being written; this module emits
// nothing until then and declares no codes, so the case runner skips them.
export const rendererRules: IRuleModule = {
  name: 'renderer',
  codes: [],
  run: () => ({ findings: [], checked: [] })
};
