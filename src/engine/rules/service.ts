import { IRuleModule } from '../types';

// TODO(scaffold): the service rules are being written; this module emits
// nothing until then and declares no codes, so the case runner skips them.
export const serviceRules: IRuleModule = {
  name: 'service',
  codes: [],
  run: () => ({ findings: [], checked: [] })
};
