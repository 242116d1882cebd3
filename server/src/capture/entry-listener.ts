import type { Core } from '@strapi/strapi';
import { MEDIA_EVENT_TYPES } from '../contracts/events';
import { errorMessage } from '../errors/pipeline-errors';
import type { Logger } from '../utils/logger';
import type { FileRecords } from '../strapi-data/file-records';
import type { Recorder } from './recorder';
import type { MediaUsage } from '../strapi-data/media-usage';

/** Entries attaching or detaching media, from Document Service middleware: the files whose usage changed get an event. */

const WRITE_ACTIONS = new Set(['create', 'update', 'delete', 'publish', 'unpublish', 'discardDraft', 'clone']);

type DocumentContext = { uid: string; action: string; params?: { documentId?: string } };

export function symmetricDifference<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): T[] {
  return [...[...a].filter((x) => !b.has(x)), ...[...b].filter((x) => !a.has(x))];
}

export function subscribeEntryChanges(strapi: Core.Strapi, deps: { files: FileRecords; usage: MediaUsage; recorder: Recorder; logger: Logger }): () => void {
  const { files, usage, recorder, logger } = deps;

  const filesOf = async (uid: string, documentId: string | undefined) => {
    if (!documentId) return new Set<number>();
    try {
      return await usage.filesOfDocument(uid, documentId);
    } catch (error) {
      logger.error(`could not read media of ${uid} ${documentId}: ${errorMessage(error)}`);
      return new Set<number>();
    }
  };

  const middleware = async (context: DocumentContext, next: () => Promise<unknown>) => {
    if (!WRITE_ACTIONS.has(context.action) || !usage.hasMediaAttributes(context.uid)) return next();
    const before = await filesOf(context.uid, context.params?.documentId);
    const result = await next();
    const documentId = context.params?.documentId ?? (result as { documentId?: string } | null)?.documentId;
    const after = await filesOf(context.uid, documentId);
    for (const fileId of symmetricDifference(before, after)) {
      try {
        const file = await files.findRow(fileId);
        if (file) await recorder.record(MEDIA_EVENT_TYPES.usageChanged, file);
      } catch (error) {
        logger.error(`could not record usage change of file ${fileId}: ${errorMessage(error)}`);
      }
    }
    return result;
  };
  return strapi.documents.use(middleware as never) as unknown as () => void;
}
