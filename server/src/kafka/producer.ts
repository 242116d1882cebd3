import { Partitioners, type Kafka } from 'kafkajs';

export interface OutgoingMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
}

export interface EventProducer {
  connect(): Promise<void>;
  /** Resolves once the broker acknowledged every message (acks=all). */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<void>;
  disconnect(): Promise<void>;
}

export function createEventProducer(kafka: Kafka): EventProducer {
  // At-least-once: the outbox re-sends anything unacknowledged, so consumers are idempotent anyway. One request in
  // flight keeps per-key order across retries. (kafkajs's idempotent mode needs unlimited retries, which would
  // hang the relay while the broker is down instead of letting it back off.)
  const producer = kafka.producer({
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  return {
    connect: () => producer.connect(),
    async send(topic, messages) {
      await producer.send({ topic, acks: -1, messages: messages.map((m) => ({ ...m })) });
    },
    disconnect: () => producer.disconnect(),
  };
}
