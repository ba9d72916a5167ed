import { IRuleModule } from '../types';

// TODO(scaffold): the environment rules are being written; this module emits
// nothing until then and declares no codes, so the case runner skips them.
export const environmentRules: IRuleModule = {
  name: 'environment',
  codes: [],
  run: () => ({ findings: [], checked: [] })
};
