import { DECISION_EVENT_TYPES, INDEX_EVENT_TYPES, indexTopicEventSchema, parseEvent, type DecisionEvent, type IndexEvent, type IndexTopicEvent } from '../contracts/events';
import type { DuplicateGraph } from '../strapi-data/duplicate-graph';
import type { EventConsumer } from '../messaging/consumer';
import type { Logger } from '../utils/logger';
import type { IndexStateRepository } from '../strapi-data/index-state';

/**
 * Keeps Strapi's index-state table and the duplicate graph in step with the index events the workers publish, wherever they run.
 * Its consumer group is Strapi's own, so each event is recorded once however many Strapi instances run.
 */
export interface IndexStateTracker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Strapi follows the index events in a group of its own, beside the workers' group. */
export const indexStateGroupId = (workerGroupId: string) => `${workerGroupId}-state`;

/** A new vector (or none) ends the file's pairs; the duplicate check that follows it brings the new ones. */
export async function applyToGraph(graph: DuplicateGraph, event: IndexEvent): Promise<void> {
  if (event.type === INDEX_EVENT_TYPES.duplicateDetected) await graph.addPairs(event.data.fileId, event.data.duplicates);
  else if (event.type === INDEX_EVENT_TYPES.applied && (event.data.action === 'indexed' || event.data.action === 'removed')) await graph.removeFile(event.data.fileId);
}

const isDecision = (event: IndexTopicEvent): event is DecisionEvent => (Object.values(DECISION_EVENT_TYPES) as string[]).includes(event.type);

export function createIndexStateTracker(deps: { consumer: EventConsumer; states: IndexStateRepository; graph: DuplicateGraph; logger: Logger }): IndexStateTracker {
  const { consumer, states, graph, logger } = deps;
  return {
    start: () =>
      consumer.start(async (messages, control) => {
        for (const message of messages) {
          if (!control.active()) return;
          const parsed = parseEvent(indexTopicEventSchema, message.value);
          if ('event' in parsed) {
            // Editors' decisions share the topic; Strapi made them, and its database has them already.
            const { event } = parsed;
            if (!isDecision(event) && (await states.record(event))) await applyToGraph(graph, event);
          } else logger.warn(`skipped index event at partition ${message.partition} offset ${message.offset}: ${parsed.invalid}`);
          control.done(message);
        }
      }),
    stop: () => consumer.stop(),
  };
}
