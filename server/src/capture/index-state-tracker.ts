import { indexEventSchema, parseEvent } from '../contracts/events';
import type { EventConsumer } from '../messaging/consumer';
import type { Logger } from '../utils/logger';
import type { IndexStateRepository } from '../strapi-data/index-state';

/**
 * Keeps Strapi's index-state table in step with the index events the workers publish, wherever they run.
 * Its consumer group is Strapi's own, so each event is recorded once however many Strapi instances run.
 */
export interface IndexStateTracker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Strapi follows the index events in a group of its own, beside the workers' group. */
export const indexStateGroupId = (workerGroupId: string) => `${workerGroupId}-state`;

export function createIndexStateTracker(deps: { consumer: EventConsumer; states: IndexStateRepository; logger: Logger }): IndexStateTracker {
  const { consumer, states, logger } = deps;
  return {
    start: () =>
      consumer.start(async (messages, control) => {
        for (const message of messages) {
          if (!control.active()) return;
          const parsed = parseEvent(indexEventSchema, message.value);
          if ('event' in parsed) await states.record(parsed.event);
          else logger.warn(`skipped index event at partition ${message.partition} offset ${message.offset}: ${parsed.invalid}`);
          control.done(message);
        }
      }),
    stop: () => consumer.stop(),
  };
}
