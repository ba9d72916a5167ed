import { IRuleModule } from '../types';

// TODO(scaffold): the decoder rules are being written; this module emits
// nothing until then and declares no codes, so the case runner skips them.
export const decoderRules: IRuleModule = {
  name: 'decoder',
  codes: [],
  run: () => ({ findings: [], checked: [] })
};
