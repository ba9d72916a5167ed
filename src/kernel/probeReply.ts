/**
 * Reading the probe's answer: the facts in an execute reply's user
 * expression, and small helpers the bridge uses while waiting for them.
 */
import { KernelMessage } from '@jupyterlab/services';
import { JSONObject } from '@lumino/coreutils';
import { IFacts } from '../engine/facts';

/** A failure of the bridge, with a message meant for people. */
export class BridgeError extends Error {}

/** Read the facts from the reply's user expression. */
export function readFacts(
  reply: KernelMessage.IExecuteReplyMsg['content']
): IFacts {
  if (reply.status !== 'ok') {
    const error = reply as KernelMessage.IReplyErrorContent;
    throw new BridgeError(
      `The probe failed in the kernel: ${error.ename ?? 'error'}: ` +
        `${error.evalue ?? ''}`
    );
  }
  const expression = (reply.user_expressions ?? {})['facts'] as
    JSONObject | undefined;
  if (!expression) {
    throw new BridgeError('The kernel returned no facts.');
  }
  if (expression.status !== 'ok') {
    throw new BridgeError(
      `The probe failed in the kernel: ${String(expression.ename)}: ` +
        `${String(expression.evalue)}`
    );
  }
  const data = (expression.data ?? {}) as JSONObject;
  const facts = data['application/json'];
  if (!isFacts(facts)) {
    throw new BridgeError(
      'The kernel returned facts in an unknown shape (no ' +
        'application/json with a schema tag).'
    );
  }
  return facts;
}

/** Wait for `promise`, but no longer than `ms` (then carry on). */
export async function within<T>(
  promise: Promise<T>,
  ms: number
): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    promise.then(
      () => undefined,
      () => undefined
    ),
    new Promise<void>(resolve => {
      timer = setTimeout(resolve, ms);
    })
  ]);
  clearTimeout(timer);
}

/** Whether a value looks like a facts object. */
export function isFacts(value: unknown): value is IFacts {
  return (
    !!value &&
    typeof value === 'object' &&
    typeof (value as IFacts).schema === 'string'
  );
}
