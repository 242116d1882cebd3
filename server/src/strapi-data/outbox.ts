import type { Core } from '@strapi/strapi';
import { channelOf, toKafkaMessage, type DecisionEvent, type EventChannel, type MediaEvent } from '../contracts/events';
import { OUTBOX_UID } from '../content-types';
import type { OutgoingMessage } from '../messaging/producer';

/** The outbox table: events are stored here first, then published by the relay in insertion order. */

/** What Strapi publishes: media changes, and editors' decisions about duplicates. */
export type RecordedEvent = MediaEvent | DecisionEvent;

export interface PendingEvent {
  id: number;
  /** Which topic it goes to: the event's type says. */
  channel: EventChannel;
  message: OutgoingMessage;
}

export interface Outbox {
  append(event: RecordedEvent): Promise<void>;
  takePending(limit: number): Promise<PendingEvent[]>;
  markSent(ids: readonly number[]): Promise<void>;
  markFailed(ids: readonly number[], reason: string): Promise<void>;
  pendingStats(): Promise<{ pending: number; oldestPendingAt: string | null }>;
  /** Deletes rows sent before `cutoff`; returns how many. Pending rows are never pruned. */
  pruneSent(cutoff: Date): Promise<number>;
}

export function createOutbox(strapi: Core.Strapi): Outbox {
  const query = () => strapi.db.query(OUTBOX_UID);
  return {
    async append(event) {
      const message = toKafkaMessage(event);
      await query().create({
        data: { eventId: event.id, type: event.type, messageKey: message.key, payload: event },
      });
    },
    async takePending(limit) {
      const rows = await query().findMany({
        where: { sentAt: null },
        orderBy: { id: 'asc' },
        limit,
        select: ['id', 'payload'],
      });
      return rows.map((row) => {
        const event = row.payload as RecordedEvent;
        return { id: row.id as number, channel: channelOf(event.type), message: toKafkaMessage(event) };
      });
    },
    async markSent(ids) {
      await query().updateMany({ where: { id: { $in: [...ids] } }, data: { sentAt: new Date(), lastError: null } });
    },
    async markFailed(ids, reason) {
      // Rows stay pending and are retried; the reason shows on the status page.
      await query().updateMany({ where: { id: { $in: [...ids] } }, data: { lastError: reason.slice(0, 2000) } });
    },
    async pruneSent(cutoff) {
      const { count } = await query().deleteMany({ where: { sentAt: { $notNull: true, $lt: cutoff } } });
      return count;
    },
    async pendingStats() {
      const pending = await query().count({ where: { sentAt: null } });
      const oldest = await query().findOne({ where: { sentAt: null }, orderBy: { id: 'asc' }, select: ['createdAt'] });
      return { pending, oldestPendingAt: oldest ? new Date(oldest.createdAt).toISOString() : null };
    },
  };
}
