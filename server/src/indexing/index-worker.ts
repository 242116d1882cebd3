import { mediaEventSchema, type MediaEvent, type MediaEventType } from '../contracts/events';
import { errorMessage, isRetriable } from '../errors';
import type { EventConsumer, IncomingMessage } from '../kafka/consumer';
import type { Logger } from '../logger';
import type { Outcome } from './handlers';

/** Consumes media events and applies them to the index: retriable failures re-deliver, the rest are skipped with a reason. */

export interface IndexWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createIndexWorker(deps: {
  consumer: EventConsumer;
  handlers: Record<MediaEventType, (event: MediaEvent) => Promise<Outcome>>;
  logger: Logger;
}): IndexWorker {
  const { consumer, handlers, logger } = deps;
  let running = false;

  async function handle(message: IncomingMessage): Promise<void> {
    const where = `partition ${message.partition} offset ${message.offset}`;
    const event = parseEvent(message.value);
    if (!event.ok) {
      logger.warn(`skipped message at ${where}: ${event.reason}`);
      return;
    }
    const started = Date.now();
    try {
      const outcome = await handlers[event.value.type](event.value);
      logger.info(
        `${event.value.type} file ${event.value.subject}: ${outcome.action}${outcome.reason ? ` (${outcome.reason})` : ''} in ${Date.now() - started} ms`
      );
    } catch (error) {
      if (isRetriable(error)) {
        logger.warn(`retrying ${event.value.type} file ${event.value.subject}: ${errorMessage(error)}`);
        throw error;
      }
      logger.warn(`file ${event.value.subject} cannot be indexed: ${errorMessage(error)}`);
    }
  }

  return {
    get running() {
      return running;
    },
    async start() {
      await consumer.start(handle);
      running = true;
    },
    async stop() {
      running = false;
      await consumer.stop();
    },
  };
}

function parseEvent(value: string | null): { ok: true; value: MediaEvent } | { ok: false; reason: string } {
  if (!value) return { ok: false, reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = mediaEventSchema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: `not a known event: ${parsed.error.issues[0]?.message}` };
}
