import { z } from 'zod';
import { DISMISS_DECISIONS, DUPLICATE_KINDS } from './duplicate-kinds';

/**
 * The public event contract. Other services consume these events, so a change here is an API change:
 * add a new versioned type instead of altering an existing one.
 * Envelope: CloudEvents 1.0 (structured JSON), one Kafka message per event, keyed by file id.
 *
 * Media events (topic kafka.topic) say what changed in the media library; Strapi publishes them.
 * Index events (topic kafka.indexTopic) say what the index workers made of each media event.
 * Decision events (also on kafka.indexTopic, through Strapi's outbox) say what an editor decided about duplicates.
 */

export const EVENT_SOURCE = 'strapi-plugin-image-search';

export const MEDIA_EVENT_TYPES = {
  created: 'image-search.media.created.v1',
  replaced: 'image-search.media.replaced.v1',
  updated: 'image-search.media.updated.v1',
  deleted: 'image-search.media.deleted.v1',
  usageChanged: 'image-search.media.usage-changed.v1',
  reindexRequested: 'image-search.media.reindex-requested.v1',
} as const;

export const INDEX_EVENT_TYPES = {
  applied: 'image-search.index.applied.v1',
  failed: 'image-search.index.failed.v1',
  duplicateDetected: 'image-search.duplicate-detected.v1',
} as const;

export const DECISION_EVENT_TYPES = {
  duplicatesResolved: 'image-search.duplicates.resolved.v1',
  duplicatesDismissed: 'image-search.duplicates.dismissed.v1',
} as const;

export type MediaEventType = (typeof MEDIA_EVENT_TYPES)[keyof typeof MEDIA_EVENT_TYPES];
export type IndexEventType = (typeof INDEX_EVENT_TYPES)[keyof typeof INDEX_EVENT_TYPES];
export type DecisionEventType = (typeof DECISION_EVENT_TYPES)[keyof typeof DECISION_EVENT_TYPES];
export type EventType = MediaEventType | IndexEventType | DecisionEventType;

/** The topic an event is published on: media events on kafka.topic, the rest on kafka.indexTopic. */
export type EventChannel = 'media' | 'index';
export const channelOf = (type: EventType): EventChannel => ((Object.values(MEDIA_EVENT_TYPES) as string[]).includes(type) ? 'media' : 'index');

export const storedFormatSchema = z.object({
  url: z.string().min(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export type StoredFormat = z.infer<typeof storedFormatSchema>;

export const mediaFileSchema = z
  .object({
    id: z.number().int().positive(),
    documentId: z.string().min(1),
    name: z.string(),
    url: z.string().min(1).describe('Public URL, or a path relative to the Strapi server for the local provider'),
    mime: z.string().nullable(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    size: z.number().nullable().describe('Size in kB, as Strapi stores it'),
    hash: z.string().nullable(),
    provider: z.string().nullable(),
    updatedAt: z.string().nullable(),
    formats: z
      .record(z.string(), storedFormatSchema)
      .optional()
      .describe("The smaller copies Strapi stored at upload (thumbnail, small, medium, large), by name; absent when it made none"),
  })
  .describe('A snapshot of the Strapi file record when the event was recorded');

export type MediaFile = z.infer<typeof mediaFileSchema>;

/** Only images are indexed; other media are skipped. */
export const isImage = (mime: string | null) => !!mime && mime.startsWith('image/');

export const mediaEventDataSchema = z.object({
  file: mediaFileSchema,
  contentTypes: z
    .array(z.string().min(1))
    .describe('UIDs of the content types whose entries use the file, directly or through components; empty when none does'),
});

const causationSchema = z
  .object({
    id: z.string().uuid().describe('The id of the media event'),
    type: z.enum(Object.values(MEDIA_EVENT_TYPES) as [MediaEventType, ...MediaEventType[]]),
  })
  .describe('The media event this index event answers');

export const INDEX_ACTIONS = ['indexed', 'moved', 'removed', 'skipped'] as const;
export type IndexAction = (typeof INDEX_ACTIONS)[number];

export const indexAppliedDataSchema = z.object({
  fileId: z.number().int().positive(),
  model: z.string().min(1).describe('The model whose collection was written, e.g. resnet50'),
  action: z.enum(INDEX_ACTIONS).describe('indexed: new vector; moved: partitions changed; removed: deleted; skipped: nothing to index'),
  reason: z.string().nullable().describe('Why the event was skipped (not an image, metadata only)'),
  contentHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional()
    .describe('With action indexed: the sha256 of the bytes indexed (hex), the same for every upload of the same file'),
  causation: causationSchema,
});

export const duplicateDetectedDataSchema = z.object({
  fileId: z.number().int().positive().describe('The file just indexed'),
  model: z.string().min(1),
  threshold: z.number().min(0).max(1).describe('The duplicate threshold of the worker that found them'),
  duplicates: z
    .array(
      z.object({
        fileId: z.number().int().positive(),
        similarity: z.number().min(0).max(1),
        kind: z.enum(DUPLICATE_KINDS).optional().describe('What the verified copy is to the file: resized, cropped, edited, mirrored...'),
      })
    )
    .min(1)
    .describe('Files of the library at or above the threshold and verified as copies, most similar first (at most 16)'),
  causation: causationSchema,
});

export const indexFailedDataSchema = z.object({
  fileId: z.number().int().positive(),
  model: z.string().min(1),
  reason: z.string().min(1).describe('Why the file cannot be indexed, for a person to read (corrupt, not an image, gone, too large)'),
  causation: causationSchema,
});

const repointedEntrySchema = z.object({
  contentType: z.string().min(1).describe('UID of the content type, e.g. api::article.article'),
  documentId: z.string().min(1),
  field: z.string().min(1).describe('Path of the media field, through components: cover, seo.shareImage, blocks.image'),
  locale: z.string().nullable(),
  status: z.enum(['draft', 'published']).describe('Drafts and published versions are separate rows; each is listed'),
  fromFileId: z.number().int().positive().describe('The deleted copy the entry used'),
});

export const duplicatesResolvedDataSchema = z.object({
  keeper: mediaFileSchema.describe('The copy kept, after the merge'),
  deleted: z.array(mediaFileSchema).min(1).describe('The copies deleted, as they were before the merge (each also gets its media.deleted event)'),
  repointed: z.array(repointedEntrySchema).describe('Every entry row that used a deleted copy and now uses the keeper'),
});

export const duplicatesDismissedDataSchema = z.object({
  fileIds: z.array(z.number().int().positive()).min(2).describe('The files marked, ascending'),
  decision: z.enum(DISMISS_DECISIONS).describe('not-duplicates: not copies at all; keep-both: copies an editor keeps on purpose'),
  contentHashes: z
    .array(z.string().regex(/^[0-9a-f]{64}$/))
    .describe('sha256 of the marked files that are indexed (hex): the mark holds for any file with these bytes'),
});

const DATA_SCHEMAS = {
  [MEDIA_EVENT_TYPES.created]: mediaEventDataSchema,
  [MEDIA_EVENT_TYPES.replaced]: mediaEventDataSchema,
  [MEDIA_EVENT_TYPES.updated]: mediaEventDataSchema,
  [MEDIA_EVENT_TYPES.deleted]: mediaEventDataSchema,
  [MEDIA_EVENT_TYPES.usageChanged]: mediaEventDataSchema,
  [MEDIA_EVENT_TYPES.reindexRequested]: mediaEventDataSchema,
  [INDEX_EVENT_TYPES.applied]: indexAppliedDataSchema,
  [INDEX_EVENT_TYPES.failed]: indexFailedDataSchema,
  [INDEX_EVENT_TYPES.duplicateDetected]: duplicateDetectedDataSchema,
  [DECISION_EVENT_TYPES.duplicatesResolved]: duplicatesResolvedDataSchema,
  [DECISION_EVENT_TYPES.duplicatesDismissed]: duplicatesDismissedDataSchema,
} as const;

const DESCRIPTIONS: Record<EventType, string> = {
  [MEDIA_EVENT_TYPES.created]: 'A file was uploaded to the media library',
  [MEDIA_EVENT_TYPES.replaced]: "A file's binary was replaced; its vectors must be recomputed",
  [MEDIA_EVENT_TYPES.updated]: "A file's information (name, alternative text, caption, folder) was edited; the binary is unchanged",
  [MEDIA_EVENT_TYPES.deleted]: 'A file was deleted',
  [MEDIA_EVENT_TYPES.usageChanged]: 'The set of content types whose entries use a file changed',
  [MEDIA_EVENT_TYPES.reindexRequested]: 'An administrator asked for a file missing from the index (or indexed by another model) to be indexed',
  [INDEX_EVENT_TYPES.applied]: 'A media event was applied to the index',
  [INDEX_EVENT_TYPES.failed]: 'A media event could not be applied: the file cannot be indexed, and why',
  [INDEX_EVENT_TYPES.duplicateDetected]: 'A newly indexed file has near-duplicates in the library',
  [DECISION_EVENT_TYPES.duplicatesResolved]: 'An editor merged duplicates: one copy kept, every entry using another re-pointed to it, the others deleted. The subject is the keeper',
  [DECISION_EVENT_TYPES.duplicatesDismissed]: 'An editor marked files as not duplicates, or as copies to keep both of; the review no longer groups them. The subject is the smallest file id',
};

export function schemaUrn(type: EventType): string {
  return `urn:strapi-image-search:schema:${type}`;
}

function envelope<T extends EventType>(type: T) {
  return z
    .object({
      specversion: z.literal('1.0'),
      id: z.string().uuid().describe('Unique per event; consumers may use it to deduplicate'),
      source: z.literal(EVENT_SOURCE),
      type: z.literal(type),
      subject: z.string().regex(/^\d+$/).describe('The Strapi file id, also the Kafka message key'),
      time: z.string().datetime({ offset: true }),
      datacontenttype: z.literal('application/json'),
      dataschema: z.literal(schemaUrn(type)),
      data: DATA_SCHEMAS[type] as (typeof DATA_SCHEMAS)[T],
    })
    .describe(DESCRIPTIONS[type]);
}

export const mediaEventSchema = z.discriminatedUnion('type', [
  envelope(MEDIA_EVENT_TYPES.created),
  envelope(MEDIA_EVENT_TYPES.replaced),
  envelope(MEDIA_EVENT_TYPES.updated),
  envelope(MEDIA_EVENT_TYPES.deleted),
  envelope(MEDIA_EVENT_TYPES.usageChanged),
  envelope(MEDIA_EVENT_TYPES.reindexRequested),
]);

export const indexEventSchema = z.discriminatedUnion('type', [
  envelope(INDEX_EVENT_TYPES.applied),
  envelope(INDEX_EVENT_TYPES.failed),
  envelope(INDEX_EVENT_TYPES.duplicateDetected),
]);

export const decisionEventSchema = z.discriminatedUnion('type', [
  envelope(DECISION_EVENT_TYPES.duplicatesResolved),
  envelope(DECISION_EVENT_TYPES.duplicatesDismissed),
]);

/** Every event on kafka.indexTopic: the workers' and the editors' decisions. */
export const indexTopicEventSchema = z.discriminatedUnion('type', [...indexEventSchema.options, ...decisionEventSchema.options]);

export type MediaEvent = z.infer<typeof mediaEventSchema>;
export type IndexEvent = z.infer<typeof indexEventSchema>;
export type DecisionEvent = z.infer<typeof decisionEventSchema>;
export type IndexTopicEvent = z.infer<typeof indexTopicEventSchema>;
export type AnyEvent = MediaEvent | IndexEvent | DecisionEvent;
export type EventOf<T extends EventType> = Extract<AnyEvent, { type: T }>;

/** JSON Schema documents for the public contract, keyed by event type. */
export function eventJsonSchemas(): Record<EventType, object> {
  return Object.fromEntries(
    (Object.keys(DATA_SCHEMAS) as EventType[]).map((type) => [
      type,
      { $id: schemaUrn(type), ...z.toJSONSchema(envelope(type), { target: 'draft-2020-12' }) },
    ])
  ) as Record<EventType, object>;
}

/** A new event of `type` about file `subject`. Ids and clock can be injected for tests. */
export function buildEvent<T extends EventType>(
  type: T,
  subject: number,
  data: EventOf<T>['data'],
  // globalThis.crypto: the same in Node and in a browser, so the contracts stay importable by the admin.
  { id = globalThis.crypto.randomUUID(), time = new Date() }: { id?: string; time?: Date } = {}
): EventOf<T> {
  return {
    specversion: '1.0',
    id,
    source: EVENT_SOURCE,
    type,
    subject: String(subject),
    time: time.toISOString(),
    datacontenttype: 'application/json',
    dataschema: schemaUrn(type),
    data,
  } as EventOf<T>;
}

/** The content-type header of every message: structured mode, the value is the whole CloudEvent as JSON. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/** Structured-mode CloudEvent on Kafka: the file id is the key, so one file's events stay ordered on one partition. */
export function toKafkaMessage(event: AnyEvent): { key: string; value: string; headers: Record<string, string> } {
  return {
    key: event.subject,
    value: JSON.stringify(event),
    headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE, ce_type: event.type, ce_id: event.id },
  };
}

/** How an older version of an event becomes its successor: the type it becomes, and its data mapped. */
export interface Upcast {
  to: EventType;
  data(old: Record<string, unknown>): unknown;
}

/**
 * Older versions that may still be in a topic after their successor ships, by type: published versions stay readable.
 * Every consumer parses through parseEvent, which applies these first, so this table is the one place that knows
 * old versions and the rest of the code handles current ones only. Empty while every type is at its first version.
 */
export const UPCASTS: Readonly<Record<string, Upcast>> = {};

/** `json` as the current version of its type, through as many upcasts as it is behind. */
export function upcast(json: unknown, upcasts: Readonly<Record<string, Upcast>> = UPCASTS): unknown {
  let event = json as Record<string, unknown> | null;
  // Each step goes to a later version, so no chain is longer than the table.
  for (let steps = 0; steps < Object.keys(upcasts).length; steps++) {
    const step = event?.data && typeof event.data === 'object' ? upcasts[String(event.type)] : undefined;
    if (!step) break;
    event = { ...event, type: step.to, dataschema: schemaUrn(step.to), data: step.data(event!.data as Record<string, unknown>) };
  }
  return event;
}

/** Reads one Kafka message value as an event of `schema`, upcast to its current version; never throws. */
export function parseEvent<S extends z.ZodType>(schema: S, value: string | null, upcasts = UPCASTS): { event: z.output<S> } | { invalid: string } {
  if (!value) return { invalid: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return { invalid: 'not JSON' };
  }
  let current: unknown;
  try {
    current = upcast(json, upcasts);
  } catch {
    return { invalid: 'an older version that cannot be upcast' };
  }
  const parsed = schema.safeParse(current);
  return parsed.success ? { event: parsed.data } : { invalid: `not a known event: ${parsed.error.issues[0]?.message}` };
}
