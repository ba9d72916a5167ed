/**
 * Decoder rows for the service and session codes: the SDK's heartbeat
 * warning (TD121) and connection, timeout, billing, rate-limit, server-error,
 * capacity and try_again messages (TD301–TD307).
 *
 * Patterns read the message text only. Logger prefixes such as
 * `tinker.lib.api_future_impl:435 [WARNING]`, line numbers and levels change
 * between SDK versions and are never part of a pattern.
 */
import { anyOf, seq, status } from './regex';
import { IDecoderRow } from './types';

/** Rows for TD121 and TD301–TD307. */
export const SERVICE_ROWS: IDecoderRow[] = [
  {
    id: 'heartbeat-failed',
    code: 'TD121',
    pattern: seq(
      /Session heartbeat failed/,
      /(?: for (?<seconds>\d+(?:\.\d+)?) seconds)?/,
      /(?: for session (?<session>\S+?))?/,
      /(?:\.? Last exception: (?<last>.*?))?\.?[ \t]*(?:\n|$)/
    ),
    decodeGroup: 'last',
    cause:
      'No successful SDK heartbeat[ for {seconds} s][ (session {session})]' +
      '[; last exception: {last}]',
    fix:
      'The session is at risk of expiry. A connection error points at the ' +
      'network or the service (run the smoke test); a timeout at a starved ' +
      'SDK loop or a slow network (see the GIL findings, TD120); "not found" ' +
      'means the session is gone: recreate the client and resume from the ' +
      'last save_state checkpoint.'
  },
  {
    id: 'connection-error',
    code: 'TD301',
    pattern: anyOf(
      /\b(?:APIConnectionError|ConnectError|RemoteProtocolError)\b/,
      /\bConnection(?:Refused|Reset|Aborted)Error\b/,
      /\b(?:ServerDisconnectedError|ClientConnectorError)\b/,
      /Connection (?:refused|reset by peer)/,
      /Server disconnected without sending a response/,
      /Name or service not known|nodename nor servname provided/,
      /Temporary failure in name resolution|getaddrinfo failed/,
      /No route to host|Network is unreachable/
    ),
    forbidsAny: [
      /\bAPITimeoutError\b/,
      /\b(?:Connect|Read|Write|Pool)Timeout\b/
    ],
    cause: 'The client could not reach the Tinker service (connection error)'
  },
  {
    id: 'timeout',
    code: 'TD302',
    pattern: anyOf(
      /\bAPITimeoutError\b/,
      /\b(?:Connect|Read|Write|Pool)Timeout\b/,
      /\bTimeoutException\b/,
      /\bRequest timed out\b/
    ),
    cause: 'A request to the Tinker service timed out'
  },
  {
    id: 'billing-paused',
    code: 'TD303',
    pattern: seq(
      /paused due to billing status/,
      /(?:\. Error: (?<detail>.+)| for (?<seconds>\d+(?:\.\d+)?) seconds)?/
    ),
    cause:
      'The job is paused because of the billing status[ ({detail})]' +
      '[; it gave up after {seconds} s]'
  },
  {
    id: 'payment-required',
    code: 'TD303',
    pattern: anyOf(status('402'), /\bBillingError\b/, /\bPayment Required\b/),
    statuses: /^402$/,
    cause: 'The service answered 402 Payment Required: billing is blocked'
  },
  {
    id: 'rate-limited',
    code: 'TD304',
    pattern: anyOf(
      status('429'),
      /\bRateLimitError\b/,
      /\bToo Many Requests\b/
    ),
    statuses: /^429$/,
    cause: 'The service answered 429: too many concurrent requests'
  },
  {
    id: 'server-error-retry',
    code: 'TD305',
    pattern: /Retrying due to status code (?<status>5\d\d)\b/,
    cause: 'The service answered HTTP {status}; the SDK is retrying'
  },
  {
    id: 'server-error',
    code: 'TD305',
    pattern: anyOf(
      status('5\\d\\d', 'status'),
      /\bInternalServerError\b/,
      /\b(?:Internal Server Error|Bad Gateway|Service Unavailable)\b/,
      /\bGateway Timeout\b/,
      /Timeout while publishing request/
    ),
    cause: 'Server-side error[ (HTTP {status})]'
  },
  {
    id: 'queue-paused',
    code: 'TD306',
    pattern: seq(
      /(?<operation>[A-Z][A-Za-z ]*?) for (?<target>\S+) is paused\. /,
      /Reason: (?<reason>.+?)\.?\s*$/
    ),
    cause: '{operation} for {target} is paused by the service: {reason}'
  },
  {
    id: 'sampling-paused',
    code: 'TD306',
    pattern: seq(
      /Sampling is paused for sampler (?<sampler>\S+?)\.? /,
      /Reason: (?<reason>.+?)\.?\s*$/
    ),
    cause: 'Sampling for sampler {sampler} is paused by the service: {reason}'
  },
  {
    id: 'try-again',
    code: 'TD307',
    sources: ['log'],
    pattern: seq(
      /Retrying request (?:self\.)?request_id=['"]?(?<request>[^'"\s]+)['"]?/,
      / because of try_again/
    ),
    repeat: {
      key: 'request',
      minCount: 3,
      minSpanSeconds: 60,
      minCountWithoutTime: 10
    },
    cause:
      'The server answered try_again {count} times for request {request}' +
      '[ over {span}]'
  }
];
