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
  // Idempotent: a retried send never duplicates a message, and per-key order holds.
  const producer = kafka.producer({
    idempotent: true,
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
