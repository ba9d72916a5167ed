/**
 * TD402 (thinking data and renderer variant): code that removes or splits
 * think blocks is not reasoning data.
 */
import { notebook, run } from './rendererHelpers';

describe('TD402 ignores code that removes think blocks', () => {
  const renderer = 'renderer = get_renderer("qwen3_disable_thinking", tok)';

  it.each([
    're.sub(r"<think>.*?</think>\\s*", "", text, flags=re.S)',
    "THINK = re.compile(r'<think>(.*?)</think>', re.DOTALL)",
    'pattern = r"<think>[\\s\\S]*?</think>"',
    'text.replace("<think></think>", "")',
    'text.replace("<think>", "").replace("</think>", "")',
    'answer = text.split("</think>")[-1]',
    'head, _, tail = text.partition("<think>\\n\\n</think>")'
  ])('%s', code => {
    const f = run({ notebook: notebook(renderer, code) });
    expect(f.filter(x => x.code === 'TD402')).toEqual([]);
  });

  it('still flags think blocks written as data', () => {
    for (const data of [
      'rows = [{"role": "assistant", "content": "<think>2+2=4</think>4"}]',
      'msg = f"<think>{reasoning}</think>{answer}"'
    ]) {
      const f = run({ notebook: notebook(renderer, data) });
      expect(f.map(x => x.code)).toContain('TD402');
    }
  });

  it('does not count the QA notebook’s strip_think helper', () => {
    const f = run({
      notebook: notebook(
        'from tinker_cookbook import renderers\n' +
          'renderer = renderers.get_renderer("qwen3_disable_thinking", tok)',
        'import re\ndef strip_think(text):\n' +
          '    return re.sub(r"<think>.*?</think>\\s*", "", text, ' +
          'flags=re.S)\n' +
          'rows = [{"role": m["role"], "content": strip_think(m["content"])} ' +
          'for m in raw]'
      )
    });
    expect(f.filter(x => x.code === 'TD402')).toEqual([]);
  });
});
