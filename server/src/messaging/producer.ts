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
  // Idempotent: the broker drops a batch it already has when a retry re-sends it after a lost acknowledgement, so
  // one event is one message. Retries stop at the client's limit (kafkajs warns that this weakens exactly-once,
  // which nothing here relies on): the send then fails, the rows stay unsent, and the relay sends them again after
  // a backoff. Such re-sends, and the outbox's after a restart, can repeat an event; the consumers' idempotency
  // absorbs that.
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
