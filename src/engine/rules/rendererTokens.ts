/**
 * TD403: what the kernel's renderer check found (`facts.checks.renderer`).
 */
import { IRendererCheck } from '../facts';
import { makeFinding } from '../catalogue';
import { IFinding } from '../types';
import { isThinkingRenderer } from './rendererTable';
import { IRendererCells } from './rendererCells';

/** Benign difference names the check reports that are not worth a finding. */
const SILENT_BENIGN = new Set(['trailing-whitespace']);

interface IConversation {
  name?: string;
  kind?: string;
  identical?: boolean;
  firstDiff?: number | null;
  benign?: { name: string; explanation: string } | null;
  kindOfDifference?: string;
  realDiff?: { renderer: number; template: number };
  window?: {
    renderer: { position: number; before: string; after: string };
    template: { position: number; before: string; after: string };
  } | null;
  userComparison?: {
    identical?: boolean;
    benign?: { name: string; explanation: string } | null;
  };
  error?: string;
}

/** TD403 findings from the renderer check's result. */
export function tokenFindings(
  check: IRendererCheck,
  cells: IRendererCells
): IFinding[] {
  const conversations = Array.isArray(check.conversations)
    ? (check.conversations as IConversation[])
    : null;
  if (conversations) {
    const found = Private.fromConversations(check, conversations);
    return Private.withErrored(check, conversations, found);
  }
  const ours = check.rendererTokens;
  const theirs = check.templateTokens;
  const found =
    Array.isArray(ours) && Array.isArray(theirs)
      ? Private.fromTokens(check, ours, theirs, cells)
      : [];
  return Private.withErrored(check, [], found);
}

namespace Private {
  /**
   * When some comparisons could not be rendered (`errored` in the check, or
   * conversations with an `error`), the tokens step must not pass: a
   * warning names how many and the first error (from the conversations,
   * else the check's `erroredExamples`). A real mismatch (an error finding)
   * only gets the count added to its evidence.
   */
  export function withErrored(
    check: IRendererCheck,
    conversations: IConversation[],
    found: IFinding[]
  ): IFinding[] {
    const examples = Array.isArray(check.erroredExamples)
      ? (check.erroredExamples as IConversation[])
      : [];
    const failed = [...conversations, ...examples].filter(
      c => typeof c?.error === 'string' && c.error !== ''
    );
    const listed = conversations.filter(
      c => typeof c?.error === 'string' && c.error !== ''
    ).length;
    const count =
      typeof check.errored === 'number' && Number.isFinite(check.errored)
        ? Math.max(check.errored, listed)
        : listed;
    if (count <= 0) {
      return found;
    }
    const first = failed[0];
    const of = conversations.length > 0 ? ` of ${conversations.length}` : '';
    const what =
      `${count}${of} comparison${count === 1 && !of ? '' : 's'} could not ` +
      'be rendered' +
      (first
        ? `; first: ${String(first.name ?? 'a conversation')}` +
          `${first.kind ? ` (${String(first.kind)})` : ''}: ` +
          oneLine(String(first.error))
        : '') +
      '.';
    const real = found.find(f => f.severity === 'error');
    if (real) {
      return found.map(f =>
        f === real ? { ...f, evidence: `${f.evidence}\n${what}` } : f
      );
    }
    const benign = found.map(f => f.evidence).join('\n');
    return [
      makeFinding('TD403', {
        severity: 'warning',
        title: 'Some renderer comparisons could not be rendered',
        evidence:
          what +
          ' Those conversations were not compared, so the tokens are only ' +
          'checked for the rest.' +
          (benign ? `\nOtherwise: ${benign}` : ''),
        fix:
          'Read the error: data the renderer refuses (e.g. think blocks ' +
          'with a thinking-disabled renderer, TD402) or malformed rows ' +
          'must be fixed before training; then run "Check renderer" again.'
      })
    ];
  }

  /** The first line of an error, at most 300 characters. */
  function oneLine(text: string): string {
    const line = text.split('\n')[0];
    return line.length > 300 ? `${line.slice(0, 300)}…` : line;
  }

  export function fromConversations(
    check: IRendererCheck,
    conversations: IConversation[]
  ): IFinding[] {
    const renderer = check.renderer ?? 'renderer';
    const label = `${renderer} vs ${check.model ?? 'the model'}`;
    const real = conversations.filter(
      c => c.identical === false && !c.benign && !c.error
    );
    if (real.length > 0) {
      const c = real[0];
      return [
        makeFinding('TD403', {
          severity: 'error',
          title: `Renderer tokens differ from the chat template (${label})`,
          evidence:
            `${real.length} of ${conversations.length} comparisons differ. ` +
            `First: ${c.name} (${c.kind}), position ` +
            `${c.realDiff?.template ?? c.firstDiff}` +
            (c.kindOfDifference ? ` — ${c.kindOfDifference}` : '') +
            '.\n' +
            windowText(c.window),
          fix:
            'The model would be trained on a format it does not see at ' +
            'inference: use a renderer recommended for the model, or fix ' +
            'the custom renderer.'
        })
      ];
    }
    const benign = conversations.filter(
      c => c.benign && !SILENT_BENIGN.has(c.benign.name)
    );
    const user = conversations.filter(
      c =>
        c.userComparison &&
        c.userComparison.identical === false &&
        c.userComparison.benign &&
        !SILENT_BENIGN.has(c.userComparison.benign.name)
    );
    const named = [
      ...benign.map(c => c.benign!),
      ...user.map(c => c.userComparison!.benign!)
    ];
    if (named.length === 0) {
      return [];
    }
    const kinds = [...new Set(named.map(b => b.name))];
    return [
      makeFinding('TD403', {
        severity: 'info',
        title: `Only known benign differences (${kinds.join(', ')})`,
        evidence: named
          .filter((b, i) => named.findIndex(o => o.name === b.name) === i)
          .map(b => `${b.name}: ${b.explanation}`)
          .join('\n'),
        fix:
          'No renderer change needed; see each explanation for what to ' +
          'align if you compare outside Tinker.'
      })
    ];
  }

  /** Facts with only the two token lists (older agents, saved facts). */
  export function fromTokens(
    check: IRendererCheck,
    ours: number[],
    theirs: number[],
    cells: IRendererCells
  ): IFinding[] {
    let p = 0;
    while (p < ours.length && p < theirs.length && ours[p] === theirs[p]) {
      p++;
    }
    if (p === ours.length && p === theirs.length) {
      return [];
    }
    const decoded = check.decoded ?? {};
    const d =
      `\nrenderer: ${JSON.stringify(decoded.renderer ?? '')}` +
      `\ntemplate: ${JSON.stringify(decoded.template ?? '')}`;
    const tokenText = `ids from ${p}: renderer [${ours
      .slice(p, p + 6)
      .join(', ')}] vs template [${theirs.slice(p, p + 6).join(', ')}]`;
    const name = check.renderer ?? '';
    const endOfPrompt = p === ours.length || p === theirs.length;
    const extra = Private.extraText(decoded.renderer, decoded.template);
    const emptyThink = /^\s*<think>\s*<\/think>\s*$/.test(extra.text);
    if (endOfPrompt && emptyThink) {
      const templateHasIt = extra.side === 'template';
      const modeMismatch = templateHasIt === isThinkingRenderer(name);
      if (name && modeMismatch) {
        return [
          makeFinding('TD403', {
            severity: 'info',
            title: 'Only an empty think block differs: thinking modes mixed',
            evidence:
              `First difference at position ${p}, at the end of the prompt: ` +
              `the ${extra.side} adds an empty think block (${tokenText}).` +
              d,
            fix:
              'Benign: the comparison ran the template in the other thinking ' +
              `mode. Compare ${name} with the template's ` +
              (isThinkingRenderer(name)
                ? 'default (thinking) mode'
                : 'enable_thinking=False') +
              ', or run the panel’s check, which matches the mode.'
          })
        ];
      }
    }
    const options = cells.templateOptions.map(o => o.value);
    const kind = emptyThink
      ? `the ${extra.side} writes an empty think block the other side ` +
        'does not: the model is trained on a format it does not see at ' +
        'inference'
      : /<think>/.test(extra.text) || /<think>/.test(decoded.template ?? '')
        ? 'think blocks are handled differently on the two sides'
        : 'different tokens';
    if (options.length > 0) {
      return [
        makeFinding('TD403', {
          severity: 'warning',
          title: 'Renderer tokens differ; the comparison used other options',
          evidence:
            `First difference at position ${p}: ${kind} (${tokenText}). ` +
            `Your comparison passed ${options.join(', ')} to ` +
            `apply_chat_template; ${name || 'the renderer'} does not take ` +
            'these options, so the two sides were not asked for the same ' +
            'thing.' +
            d,
          fix:
            'Compare with the options that match the renderer (run the ' +
            'panel’s "Check renderer", which matches them); if the ' +
            'difference remains, it is real.'
        })
      ];
    }
    const tail = ` (${tokenText}).${d}`;
    return [
      makeFinding('TD403', {
        severity: 'error',
        evidence: `First difference at position ${p}: ${kind}` + tail,
        fix:
          'The model would be trained on a format it does not see at ' +
          'inference: use a renderer recommended for the model or a ' +
          'cookbook version that fixes this renderer.'
      })
    ];
  }

  /** The text one decoded side has beyond the common prefix and suffix. */
  export function extraText(
    renderer: string | undefined,
    template: string | undefined
  ): { side: 'renderer' | 'template'; text: string } {
    const a = renderer ?? '';
    const b = template ?? '';
    let p = 0;
    while (p < a.length && p < b.length && a[p] === b[p]) {
      p++;
    }
    let s = 0;
    while (
      s < a.length - p &&
      s < b.length - p &&
      a[a.length - 1 - s] === b[b.length - 1 - s]
    ) {
      s++;
    }
    return a.length >= b.length
      ? { side: 'renderer', text: a.slice(p, a.length - s) }
      : { side: 'template', text: b.slice(p, b.length - s) };
  }
}

/** The decoded window around a difference, as plain text lines. */
export function windowText(window: IConversation['window']): string {
  if (!window) {
    return '';
  }
  const show = (s: string) => JSON.stringify(s);
  return (
    `before: ${show(window.template.before)}\n` +
    `renderer: ${show(window.renderer.after)}\n` +
    `template: ${show(window.template.after)}`
  );
}
