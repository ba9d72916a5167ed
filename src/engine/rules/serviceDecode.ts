/**
 * Decoding an error from the in-kernel smoke test ("ExceptionType: message")
 * into a service code, and keeping secrets out of what is shown.
 */
import { redactSecrets } from '../redact';

/** A service code with a short reason. */
export interface IServiceCause {
  code: 'TD301' | 'TD302' | 'TD303' | 'TD304' | 'TD305' | 'TD306';
  reason: string;
}

/**
 * The service code for an error text, or null when it is not a service
 * problem (an authentication or argument error, say).
 *
 * Status codes win over exception names: a `TimeoutError` whose message
 * carries "status code 503" is a server error.
 */
export function classifyServiceError(text: string): IServiceCause | null {
  const status = Private.statusCode(text);
  if (status === 402 || /billing|payment\s*required/i.test(text)) {
    return { code: 'TD303', reason: 'billing pause (HTTP 402)' };
  }
  if (
    status === 429 ||
    /RateLimitError|rate.?limit|too many requests/i.test(text)
  ) {
    return { code: 'TD304', reason: 'rate limited (HTTP 429)' };
  }
  if (
    (status !== null && status >= 500 && status < 600) ||
    /InternalServerError|ServiceUnavailable|BadGateway|GatewayTimeout/.test(
      text
    )
  ) {
    return {
      code: 'TD305',
      reason: `server-side error${status ? ` (HTTP ${status})` : ''}`
    };
  }
  if (
    /is paused\. Reason|waiting for capacity|concurrent.client limit/i.test(
      text
    )
  ) {
    return { code: 'TD306', reason: 'waiting for capacity' };
  }
  if (/\w*Timeout(Error)?\b|timed out/i.test(text)) {
    return { code: 'TD302', reason: 'the request timed out' };
  }
  if (Private.CONNECTION.test(text)) {
    return { code: 'TD301', reason: 'cannot connect' };
  }
  return null;
}

/** Whether an error text says a training or sampling client was not created. */
export function isCreationTimeout(text: string): boolean {
  return (
    /timeout|timed out/i.test(text) &&
    /(training|sampling)[ _]client|creat/i.test(text)
  );
}

/** Remove what may be secret from text shown to the user (shared rules). */
export function redact(text: string): string {
  return redactSecrets(text);
}

/** A URL for display: no user part, no query string, no fragment. */
export function displayUrl(url: string): string {
  return redact(url.trim().replace(/[?#].*$/, ''));
}

namespace Private {
  /** Connection failures, by exception name or message. */
  export const CONNECTION = new RegExp(
    [
      'APIConnectionError',
      'ConnectError',
      'ConnectionError',
      'ConnectionRefused',
      'ConnectionReset',
      'connection (error|refused|reset|aborted)',
      'name or service not known',
      'nodename nor servname',
      'getaddrinfo',
      'name resolution',
      'ProxyError',
      'SSLError',
      'network is unreachable'
    ].join('|'),
    'i'
  );

  /** HTTP reason phrases that follow a status code in messages. */
  const REASONS = [
    'Payment Required',
    'Too Many Requests',
    'Internal Server Error',
    'Bad Gateway',
    'Service Unavailable',
    'Gateway Timeout'
  ];

  /** An HTTP status named in the text, or null. */
  export function statusCode(text: string): number | null {
    const patterns = [
      /\b(?:status(?:[ _]code)?|error code|HTTP\S*)\s*[:=]?\s*(\d{3})\b/i,
      new RegExp(`\\b(\\d{3})\\s+(?:${REASONS.join('|')})`, 'i')
    ];
    for (const pattern of patterns) {
      const match = pattern.exec(text);
      if (match) {
        return Number(match[1]);
      }
    }
    return null;
  }
}
