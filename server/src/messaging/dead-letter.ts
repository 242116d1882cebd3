import type { IncomingMessage } from './consumer';
import type { OutgoingMessage } from './producer';

/**
 * Dead letters: messages the worker can never apply, kept with why. The value is the original message, unchanged,
 * so re-driving one is publishing it again; the reason travels in headers, as Kafka Connect's dead-letter queues do.
 */
export const DEAD_LETTER_HEADERS = {
  error: 'x-image-search-error',
  attempts: 'x-image-search-attempts',
  failedAt: 'x-image-search-failed-at',
  source: 'x-image-search-source',
} as const;

/** How many times the message was tried: re-driven messages carry the count of their earlier failures. */
export const attemptsOf = (message: Pick<IncomingMessage, 'headers'>) => Number(message.headers[DEAD_LETTER_HEADERS.attempts] ?? 0) + 1;

export function toDeadLetter(message: IncomingMessage, error: string): OutgoingMessage {
  return {
    key: message.key ?? '',
    value: message.value ?? '',
    headers: {
      ...message.headers,
      [DEAD_LETTER_HEADERS.error]: error.slice(0, 2000),
      [DEAD_LETTER_HEADERS.attempts]: String(attemptsOf(message)),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
      [DEAD_LETTER_HEADERS.source]: `${message.topic}/${message.partition}/${message.offset}`,
    },
  };
}
