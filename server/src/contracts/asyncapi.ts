import { configSchema } from '../config/schema';
import { CONFIG_ENV } from '../config/env';
import { DEAD_LETTER_HEADERS } from '../messaging/dead-letter';
import { CLOUDEVENTS_CONTENT_TYPE, DECISION_EVENT_TYPES, INDEX_EVENT_TYPES, MEDIA_EVENT_TYPES, channelOf, eventJsonSchemas, type EventType } from './events';

/**
 * The AsyncAPI 3 document of every topic the plugin writes, made from the event contract itself: what
 * `npm run schemas` writes to server/src/contracts/asyncapi.yaml, beside the JSON Schema of each event type.
 * Payload schemas are embedded, not referenced, so the one file is all a consumer's tooling needs.
 */

/** The document's own version: each message versions itself in its type, so this moves only when the layout does. */
const DOCUMENT_VERSION = '1.0.0';
const KAFKA_BINDING_VERSION = '0.5.0';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; description?: string };

type TopicKey = 'topic' | 'indexTopic' | 'deadLetterTopic';

/** A topic's default name, from the config schema, and how a site renames it. */
function topic(key: TopicKey) {
  const address = configSchema.shape.kafka.shape[key].parse(undefined);
  const env = CONFIG_ENV.find(([, path]) => path.join('.') === `kafka.${key}`)?.[0];
  return { address, setBy: `the plugin config key \`kafka.${key}\`${env ? ` (environment variable \`${env}\`)` : ''}; \`${address}\` by default` };
}

const FAMILIES = [
  { name: 'media', description: 'What changed in the media library; Strapi publishes them', types: Object.values(MEDIA_EVENT_TYPES) },
  { name: 'index', description: 'What the index workers made of each media event', types: Object.values(INDEX_EVENT_TYPES) },
  { name: 'decision', description: 'What an editor decided about duplicates; Strapi publishes them', types: Object.values(DECISION_EVENT_TYPES) },
] as const;

const familyOf = (type: EventType) => FAMILIES.find((family) => (family.types as readonly string[]).includes(type))!;

const DEAD_LETTER_HEADER_SCHEMAS: Record<keyof typeof DEAD_LETTER_HEADERS, JsonSchema> = {
  error: { type: 'string', description: 'Why the message can never be applied, for a person to read' },
  attempts: { type: 'string', pattern: '^[1-9][0-9]*$', description: 'How many times the message was tried, in decimal; a re-driven message counts on' },
  failedAt: { type: 'string', format: 'date-time', description: 'When it failed, ISO 8601' },
  source: { type: 'string', description: 'topic/partition/offset of the message that failed' },
};

const deadLetterHeaders = (): JsonSchema => ({
  properties: Object.fromEntries(Object.entries(DEAD_LETTER_HEADERS).map(([key, name]) => [name, DEAD_LETTER_HEADER_SCHEMAS[key as keyof typeof DEAD_LETTER_HEADERS]])),
  required: Object.values(DEAD_LETTER_HEADERS),
});

/** The headers toKafkaMessage writes on every event: its type and id, readable without parsing the value. */
function eventHeaders(type: EventType, event: JsonSchema): JsonSchema {
  return {
    type: 'object',
    properties: {
      'content-type': { type: 'string', const: CLOUDEVENTS_CONTENT_TYPE, description: 'Structured mode: the value is the whole CloudEvent as JSON' },
      ce_type: { type: 'string', const: type, description: 'The CloudEvents type, to route or skip a message without parsing it' },
      ce_id: { ...event.properties!.id, description: 'The CloudEvents id' },
    },
    required: ['content-type', 'ce_type', 'ce_id'],
  };
}

/** The Kafka key: the file id, the event's subject, so one file's events stay in order on one partition. */
const fileIdKey = (event: JsonSchema) => ({ kafka: { key: event.properties!.subject, bindingVersion: KAFKA_BINDING_VERSION } });

function eventMessage(type: EventType, event: JsonSchema) {
  const answersMediaEvent = !!event.properties?.data?.properties?.causation;
  return {
    name: type,
    title: type,
    summary: event.description,
    headers: eventHeaders(type, event),
    payload: { $ref: `#/components/schemas/${type}` },
    ...(answersMediaEvent && { correlationId: { description: 'The id of the media event this answers', location: '$message.payload#/data/causation/id' } }),
    bindings: fileIdKey(event),
    tags: [{ name: familyOf(type).name }],
  };
}

/** A media message sent aside unchanged, its headers kept and the reason added. */
function deadLetterMessage(type: EventType, event: JsonSchema) {
  const headers = eventHeaders(type, event);
  const reasons = deadLetterHeaders();
  return {
    name: `dead-letter.${type}`,
    title: `${type}, dead-lettered`,
    summary: `A ${type} message no worker can apply (the file cannot be decoded: corrupt, truncated, over the pixel limit, not an image), unchanged, with the reason in headers`,
    headers: { ...headers, properties: { ...headers.properties, ...reasons.properties }, required: [...(headers.required as string[]), ...(reasons.required as string[])] },
    payload: { $ref: `#/components/schemas/${type}` },
    bindings: fileIdKey(event),
    tags: [{ name: 'dead-letter' }],
  };
}

/** A message on the media topic that is no media event: it is sent aside as it came. */
const unreadableDeadLetter = () => ({
  name: 'dead-letter.unreadable',
  title: 'Unreadable message, dead-lettered',
  summary: 'A message on the media topic that is not a media event of a known type and version (not JSON, or invalid), unchanged, with the reason in headers',
  contentType: 'application/octet-stream',
  headers: { type: 'object', description: 'The original headers, if any, and the reason', ...deadLetterHeaders() },
  payload: { description: 'The value as it arrived' },
  bindings: { kafka: { key: { type: 'string', description: 'The original key, or empty when it had none' }, bindingVersion: KAFKA_BINDING_VERSION } },
  tags: [{ name: 'dead-letter' }],
});

/** The JSON Schema of an event as an AsyncAPI payload: AsyncAPI schemas are draft-07 based, so the 2020-12 marker goes. */
const asPayload = ({ $schema: _draft, ...schema }: JsonSchema) => schema;

export function asyncApiDocument() {
  const schemas = eventJsonSchemas() as Record<EventType, JsonSchema>;
  const types = Object.keys(schemas) as EventType[];
  const mediaTypes = types.filter((type) => channelOf(type) === 'media');
  const indexTypes = types.filter((type) => channelOf(type) === 'index');
  const [media, index, deadLetters] = [topic('topic'), topic('indexTopic'), topic('deadLetterTopic')];

  const messages = {
    ...Object.fromEntries(types.map((type) => [type, eventMessage(type, schemas[type])])),
    ...Object.fromEntries(mediaTypes.map((type) => [`dead-letter.${type}`, deadLetterMessage(type, schemas[type])])),
    'dead-letter.unreadable': unreadableDeadLetter(),
  };
  const refs = (names: string[]) => Object.fromEntries(names.map((name) => [name, { $ref: `#/components/messages/${name}` }]));
  const channels = {
    media: {
      address: media.address,
      title: 'Media events',
      description: `What changed in the media library, one event per change, for the index workers and any other service. Named by ${media.setBy}.`,
      messages: refs(mediaTypes),
    },
    index: {
      address: index.address,
      title: 'Index and decision events',
      description: `What the index workers made of each media event, and what editors decided about duplicates. Named by ${index.setBy}.`,
      messages: refs(indexTypes),
    },
    deadLetters: {
      address: deadLetters.address,
      title: 'Dead letters',
      description: `Media messages no worker can ever apply, each as it was on the media topic, with why in headers; \`strapi-image-search redrive\` sends them back. Named by ${deadLetters.setBy}.`,
      // Keyed by the message name, like the other channels, so an operation can point at each.
      messages: refs([...mediaTypes.map((type) => `dead-letter.${type}`), 'dead-letter.unreadable']),
    },
  };
  const sends = (channel: keyof typeof channels, summary: string) => ({
    action: 'send',
    channel: { $ref: `#/channels/${channel}` },
    summary,
    messages: Object.keys(channels[channel].messages).map((name) => ({ $ref: `#/channels/${channel}/messages/${name}` })),
  });

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'strapi-plugin-image-search events',
      version: DOCUMENT_VERSION,
      description: [
        'Every Kafka topic the image-search plugin writes. Generated from server/src/contracts by `npm run schemas`; do not edit.',
        '',
        'Each event is a CloudEvents 1.0 event in structured mode: the message value is the whole event as JSON (specversion, id, source, type, subject, time, datacontenttype, dataschema, data); the key is the Strapi file id, also the subject, so one file\'s events stay in order on one partition; the headers repeat its type and id.',
        '',
        'Each type is a public API, versioned by its suffix (.v1). Within a version, fields may be added as optional, so consumers should ignore fields they do not know; any other change is published as the next version. The payload schemas are the JSON Schemas of server/src/contracts/schemas/<type>.json. Delivery is at-least-once: deduplicate by id.',
      ].join('\n'),
      tags: [...FAMILIES.map(({ name, description }) => ({ name, description })), { name: 'dead-letter', description: 'Media messages sent aside, with the reason' }],
      externalDocs: { description: 'CloudEvents Kafka protocol binding', url: 'https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/kafka-protocol-binding.md' },
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations: {
      sendMediaEvents: sends('media', 'Strapi publishes each change to the media library, through its outbox'),
      sendIndexEvents: sends('index', 'Index workers report what they made of each media event; Strapi publishes editors\' duplicate decisions through its outbox'),
      sendDeadLetters: sends('deadLetters', 'Index workers set aside the media messages they can never apply'),
    },
    components: {
      schemas: Object.fromEntries(types.map((type) => [type, asPayload(schemas[type])])),
      messages,
    },
  };
}
