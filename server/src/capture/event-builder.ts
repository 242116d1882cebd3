import type { DISMISS_DECISIONS } from '../contracts/duplicate-kinds';
import {
  buildEvent,
  DECISION_EVENT_TYPES,
  storedFormatSchema,
  type EventOf,
  type MediaEvent,
  type MediaEventType,
  type MediaFile,
  type StoredFormat,
} from '../contracts/events';

/** Builds the events Strapi records from its file rows: media changes and editors' decisions. Pure: ids and clock can be injected. */

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
    ...storedFormats(row.formats),
  };
}

/** Strapi's formats column (an object, or its JSON text on some drivers): each well-formed entry, by name. */
function storedFormats(value: unknown): { formats?: Record<string, StoredFormat> } {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return {};
    }
  }
  if (!parsed || typeof parsed !== 'object') return {};
  const formats: Record<string, StoredFormat> = {};
  for (const [name, format] of Object.entries(parsed)) {
    const stored = storedFormatSchema.safeParse(format);
    if (stored.success) formats[name] = { url: stored.data.url, width: stored.data.width, height: stored.data.height };
  }
  return Object.keys(formats).length > 0 ? { formats } : {};
}

export function buildMediaEvent(
  type: MediaEventType,
  file: MediaFile,
  contentTypes: readonly string[],
  options?: { id?: string; time?: Date }
): MediaEvent {
  return buildEvent(type, file.id, { file, contentTypes: [...new Set(contentTypes)].sort() }, options) as MediaEvent;
}

type Resolved = EventOf<typeof DECISION_EVENT_TYPES.duplicatesResolved>;

/** A merge: the keeper as it is after it, the copies as they were before their deletion, and each entry re-pointed. */
export function buildResolvedEvent(keeperRow: FileRow, deletedRows: readonly FileRow[], repointed: Resolved['data']['repointed'], options?: { id?: string; time?: Date }): Resolved {
  const keeper = toMediaFile(keeperRow);
  return buildEvent(DECISION_EVENT_TYPES.duplicatesResolved, keeper.id, { keeper, deleted: deletedRows.map(toMediaFile), repointed }, options);
}

/** Files marked not duplicates (or keep both), with the contents the mark follows; about the smallest file id. */
export function buildDismissedEvent(
  fileIds: readonly number[],
  decision: (typeof DISMISS_DECISIONS)[number],
  contentHashes: Iterable<string>,
  options?: { id?: string; time?: Date }
): EventOf<typeof DECISION_EVENT_TYPES.duplicatesDismissed> {
  const sorted = [...new Set(fileIds)].sort((a, b) => a - b);
  return buildEvent(DECISION_EVENT_TYPES.duplicatesDismissed, sorted[0], { fileIds: sorted, decision, contentHashes: [...new Set(contentHashes)].sort() }, options);
}
