import { buildEvent, storedFormatSchema, type MediaEvent, type MediaEventType, type MediaFile, type StoredFormat } from '../contracts/events';

/** Builds media events from Strapi file rows. Pure: ids and clock can be injected. */

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
