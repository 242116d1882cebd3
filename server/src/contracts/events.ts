import { z } from 'zod';

/**
 * The public event contract. Other services consume these events, so a change here is an API change:
 * add a new versioned type instead of altering an existing one.
 * Envelope: CloudEvents 1.0 (structured JSON), one Kafka message per event, keyed by file id.
 */

export const EVENT_SOURCE = 'strapi-plugin-image-search';

export const MEDIA_EVENT_TYPES = {
  created: 'image-search.media.created.v1',
  replaced: 'image-search.media.replaced.v1',
  updated: 'image-search.media.updated.v1',
  deleted: 'image-search.media.deleted.v1',
  usageChanged: 'image-search.media.usage-changed.v1',
} as const;

export type MediaEventType = (typeof MEDIA_EVENT_TYPES)[keyof typeof MEDIA_EVENT_TYPES];

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
  })
  .describe('A snapshot of the Strapi file record when the event was recorded');

export type MediaFile = z.infer<typeof mediaFileSchema>;

export const mediaEventDataSchema = z.object({
  file: mediaFileSchema,
  contentTypes: z
    .array(z.string().min(1))
    .describe('UIDs of the content types whose entries use the file; empty when none does'),
});

export type MediaEventData = z.infer<typeof mediaEventDataSchema>;

const envelope = <T extends MediaEventType>(type: T) =>
  z.object({
    specversion: z.literal('1.0'),
    id: z.string().uuid().describe('Unique per event; consumers may use it to deduplicate'),
    source: z.literal(EVENT_SOURCE),
    type: z.literal(type),
    subject: z.string().regex(/^\d+$/).describe('The Strapi file id, also the Kafka message key'),
    time: z.string().datetime({ offset: true }),
    datacontenttype: z.literal('application/json'),
    dataschema: z.literal(schemaUrn(type)),
    data: mediaEventDataSchema,
  });

export function schemaUrn(type: MediaEventType): string {
  return `urn:strapi-image-search:schema:${type}`;
}

export const mediaEventSchemas = {
  [MEDIA_EVENT_TYPES.created]: envelope(MEDIA_EVENT_TYPES.created).describe(
    'A file was uploaded to the media library'
  ),
  [MEDIA_EVENT_TYPES.replaced]: envelope(MEDIA_EVENT_TYPES.replaced).describe(
    "A file's binary was replaced; its vectors must be recomputed"
  ),
  [MEDIA_EVENT_TYPES.updated]: envelope(MEDIA_EVENT_TYPES.updated).describe(
    "A file's information (name, alternative text, caption, folder) was edited; the binary is unchanged"
  ),
  [MEDIA_EVENT_TYPES.deleted]: envelope(MEDIA_EVENT_TYPES.deleted).describe('A file was deleted'),
  [MEDIA_EVENT_TYPES.usageChanged]: envelope(MEDIA_EVENT_TYPES.usageChanged).describe(
    'The set of content types whose entries use a file changed'
  ),
} as const;

export const mediaEventSchema = z.discriminatedUnion('type', [
  mediaEventSchemas[MEDIA_EVENT_TYPES.created],
  mediaEventSchemas[MEDIA_EVENT_TYPES.replaced],
  mediaEventSchemas[MEDIA_EVENT_TYPES.updated],
  mediaEventSchemas[MEDIA_EVENT_TYPES.deleted],
  mediaEventSchemas[MEDIA_EVENT_TYPES.usageChanged],
]);

export type MediaEvent = z.infer<typeof mediaEventSchema>;

/** JSON Schema documents for the public contract, keyed by event type. */
export function mediaEventJsonSchemas(): Record<MediaEventType, object> {
  return Object.fromEntries(
    Object.entries(mediaEventSchemas).map(([type, schema]) => [
      type,
      { $id: schemaUrn(type as MediaEventType), ...z.toJSONSchema(schema, { target: 'draft-2020-12' }) },
    ])
  ) as Record<MediaEventType, object>;
}
