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

/** Waits of 0.3, 0.6, 1.2, 2.4 and 3 s (kafkajs adds up to 20% jitter) between six attempts. */
const SEND_RETRY = { initialRetryTime: 300, maxRetryTime: 3000, retries: 5 };

export function createEventProducer(kafka: Kafka): EventProducer {
  // Idempotent: the broker drops a batch it already has when a retry re-sends it after a lost acknowledgement, so
  // one event is one message. Retries stop after about 10 s (kafkajs warns that limiting them weakens exactly-once,
  // which nothing here relies on): the send then fails, the rows stay unsent or the chunk is re-delivered, and the
  // relay or the consumer tries again after a backoff. A send in flight cannot be cancelled, so this bound is also
  // how long one can outlive a shutdown while Kafka is down. Such re-sends, and the outbox's after a restart, can
  // repeat an event; the consumers' idempotency absorbs that.
  const producer = kafka.producer({
    retry: SEND_RETRY,
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
