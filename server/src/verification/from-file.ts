import { decodeImage, type DecodeOptions } from '../embedding/decode';
import { errorMessage } from '../errors/pipeline-errors';
import { contentHashOf } from '../indexing/embedder';
import type { FileSource } from '../indexing/file-source';
import type { Logger } from '../utils/logger';
import type { CachedImage } from './image-cache';
import { encodeVerificationImage } from './verification-image';

/**
 * A verification image made from the file itself, the way the worker makes it: for files indexed before pairs
 * were verified, or by a worker whose cache this machine does not share. Null when the file cannot be read.
 */
export function createVerificationImageMaker(deps: {
  urlOf: (fileId: number) => Promise<string | null>;
  readFile: FileSource;
  decode: DecodeOptions;
  logger: Logger;
}): (fileId: number) => Promise<CachedImage | null> {
  const { urlOf, readFile, decode, logger } = deps;
  return async (fileId) => {
    const url = await urlOf(fileId);
    if (!url) return null;
    try {
      const bytes = await readFile({ id: fileId, url });
      const { working } = await decodeImage(bytes, decode);
      return { contentHash: contentHashOf(bytes), image: await encodeVerificationImage(working) };
    } catch (error) {
      logger.warn(`file ${fileId} cannot be verified: ${errorMessage(error)}`);
      return null;
    }
  };
}
