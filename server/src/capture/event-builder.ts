import { randomUUID } from 'node:crypto';
import { EVENT_SOURCE, schemaUrn, type MediaEvent, type MediaEventType, type MediaFile } from '../contracts/events';
import type { OutgoingMessage } from '../kafka/producer';

/** Builds versioned event envelopes from Strapi file rows. Pure: ids and clock can be injected. */

type FileRow = Record<string, unknown>;

const str = (value: unknown) => (value === undefined || value === null ? null : String(value));
const int = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null);
const date = (value: unknown) => (value instanceof Date ? value.toISOString() : str(value));

export function toMediaFile(row: FileRow): MediaFile {
  return {
    id: Number(row.id),
    documentId: String(row.documentId ?? ''),
    name: String(row.name ?? ''),
    url: String(row.url ?? ''),
    mime: str(row.mime),
    width: int(row.width),
    height: int(row.height),
    size: typeof row.size === 'number' ? row.size : row.size == null ? null : Number(row.size),
    hash: str(row.hash),
    provider: str(row.provider),
    updatedAt: date(row.updatedAt),
  };
}

export function buildMediaEvent(
  type: MediaEventType,
  file: MediaFile,
  contentTypes: readonly string[],
  { id = randomUUID(), time = new Date() }: { id?: string; time?: Date } = {}
): MediaEvent {
  return {
    specversion: '1.0',
    id,
    source: EVENT_SOURCE,
    type,
    subject: String(file.id),
    time: time.toISOString(),
    datacontenttype: 'application/json',
    dataschema: schemaUrn(type),
    data: { file, contentTypes: [...new Set(contentTypes)].sort() },
  } as MediaEvent;
}

/** Structured-mode CloudEvent: the file id is the key, so one file's events stay ordered on one partition. */
export function toKafkaMessage(event: MediaEvent): OutgoingMessage {
  return {
    key: event.subject,
    value: JSON.stringify(event),
    headers: { 'content-type': 'application/cloudevents+json; charset=utf-8', ce_type: event.type, ce_id: event.id },
  };
}
