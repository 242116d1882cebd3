import type { DecisionEvent, MediaEventType } from '../contracts/events';
import { errorMessage } from '../errors/pipeline-errors';
import type { Logger } from '../utils/logger';
import { buildMediaEvent, toMediaFile } from './event-builder';
import type { Outbox } from '../strapi-data/outbox';
import type { OutboxRelay } from './relay';
import type { MediaUsage } from '../strapi-data/media-usage';

/** Records one media change, or an editor's decision: stores its event in the outbox, wakes the relay. Never throws. */

export interface Recorder {
  record(type: MediaEventType, fileRow: Record<string, unknown>, contentTypes?: readonly string[]): Promise<void>;
  /** After the decision was carried out: failing to record it must not undo it, nor fail the request. */
  recordDecision(event: DecisionEvent): Promise<void>;
}

export function createRecorder(deps: { outbox: Outbox; usage: MediaUsage; relay: OutboxRelay; logger: Logger }): Recorder {
  const { outbox, usage, relay, logger } = deps;
  return {
    async record(type, fileRow, contentTypes) {
      try {
        const file = toMediaFile(fileRow);
        const usedBy = contentTypes ?? (await usage.contentTypesUsingFile(file.id));
        await outbox.append(buildMediaEvent(type, file, usedBy));
        relay.kick();
      } catch (error) {
        // A throwing listener would fail the user's request or crash Strapi; reconciliation repairs the gap.
        logger.error(`could not record ${type} for file ${String(fileRow?.id)}: ${errorMessage(error)}`);
      }
    },
    async recordDecision(event) {
      try {
        await outbox.append(event);
        relay.kick();
      } catch (error) {
        logger.error(`could not record ${event.type} about file ${event.subject}: ${errorMessage(error)}`);
      }
    },
  };
}
