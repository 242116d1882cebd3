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
  // one event is one message. Such a producer retries without limit (kafkajs's rule), which suits the relay: while
  // the broker is down its send waits, and the rows stay unsent until the broker acknowledges them. Events the
  // outbox re-sends after a restart can still repeat, which the consumers' idempotency absorbs.
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
