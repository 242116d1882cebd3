import type { Kafka } from 'kafkajs';
import type { Logger } from '../logger';

export interface IncomingMessage {
  key: string | null;
  value: string | null;
  partition: number;
  offset: string;
}

export interface EventConsumer {
  /** Joins the group and hands messages to `handle` one at a time per partition, in order. */
  start(handle: (message: IncomingMessage) => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

export function createEventConsumer(kafka: Kafka, options: { groupId: string; topic: string; logger: Logger }): EventConsumer {
  const consumer = kafka.consumer({ groupId: options.groupId, retry: { retries: 10 } });
  return {
    async start(handle) {
      await consumer.connect();
      await consumer.subscribe({ topic: options.topic, fromBeginning: true });
      // kafkajs commits an offset only after `handle` resolves; a throw re-delivers from that message.
      await consumer.run({
        eachMessage: async ({ partition, message }) =>
          handle({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, partition, offset: message.offset }),
      });
    },
    async stop() {
      await consumer.disconnect();
    },
  };
}
