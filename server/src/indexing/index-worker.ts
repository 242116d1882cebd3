import { mediaEventSchema, type MediaEvent, type MediaEventType } from '../contracts/events';
import { errorMessage, isRetriable } from '../errors';
import type { BatchControl, EventConsumer, IncomingMessage } from '../kafka/consumer';
import type { Logger } from '../logger';
import type { Embedder } from './embedder';
import { needsEmbedding, type EmbedFile, type Handler } from './handlers';

/**
 * Consumes media events and applies them to the index, in order per partition. Each fetched batch is worked in
 * chunks: the chunk's images are embedded together (one model call), then its events are applied one by one.
 * A retriable failure stops the batch so it is re-delivered from that event; the rest is skipped with a reason.
 */

export interface IndexWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly running: boolean;
}

type Parsed = { message: IncomingMessage; event?: MediaEvent; invalid?: string };

export function createIndexWorker(deps: {
  consumer: EventConsumer;
  handlers: Record<MediaEventType, Handler>;
  embedder: Embedder;
  /** Images per model call. */
  batchSize: number;
  logger: Logger;
}): IndexWorker {
  const { consumer, handlers, embedder, batchSize, logger } = deps;
  let running = false;

  /** Vectors computed ahead for a chunk; events whose image was not embedded ahead are embedded on demand. */
  function embedFor(event: MediaEvent, ahead: Map<MediaEvent, number[] | Error>): EmbedFile {
    return async (file) => {
      const [result] = ahead.has(event) ? [ahead.get(event)!] : await embedder.embed([file]);
      if (result instanceof Error) throw result;
      return result;
    };
  }

  async function apply({ message, event, invalid }: Parsed, ahead: Map<MediaEvent, number[] | Error>): Promise<void> {
    if (!event) {
      logger.warn(`skipped message at partition ${message.partition} offset ${message.offset}: ${invalid}`);
      return;
    }
    const started = Date.now();
    try {
      const outcome = await handlers[event.type](event, embedFor(event, ahead));
      logger.info(`${event.type} file ${event.subject}: ${outcome.action}${outcome.reason ? ` (${outcome.reason})` : ''} in ${Date.now() - started} ms`);
    } catch (error) {
      if (isRetriable(error)) {
        logger.warn(`retrying ${event.type} file ${event.subject}: ${errorMessage(error)}`);
        throw error;
      }
      logger.warn(`file ${event.subject} cannot be indexed: ${errorMessage(error)}`);
    }
  }

  async function handleBatch(messages: IncomingMessage[], control: BatchControl): Promise<void> {
    for (let start = 0; start < messages.length; start += batchSize) {
      if (!control.active()) return;
      const chunk = messages.slice(start, start + batchSize).map(parse);
      const toEmbed = chunk.flatMap((item) => (item.event && needsEmbedding(item.event) ? [item.event] : []));
      const ahead = new Map<MediaEvent, number[] | Error>();
      if (toEmbed.length > 0) (await embedder.embed(toEmbed.map((event) => event.data.file))).forEach((result, i) => ahead.set(toEmbed[i], result));
      for (const item of chunk) {
        if (!control.active()) return;
        await apply(item, ahead);
        control.done(item.message);
      }
      await control.heartbeat();
    }
  }

  return {
    get running() {
      return running;
    },
    async start() {
      await consumer.start(handleBatch);
      running = true;
    },
    async stop() {
      running = false;
      await consumer.stop();
    },
  };
}

function parse(message: IncomingMessage): Parsed {
  if (!message.value) return { message, invalid: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(message.value);
  } catch {
    return { message, invalid: 'not JSON' };
  }
  const parsed = mediaEventSchema.safeParse(json);
  return parsed.success ? { message, event: parsed.data } : { message, invalid: `not a known event: ${parsed.error.issues[0]?.message}` };
}
