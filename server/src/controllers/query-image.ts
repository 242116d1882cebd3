import fs from 'node:fs/promises';
import { errors } from '@strapi/utils';
import { QUERY_IMAGE_FIELD } from '../contracts/http';
import type { QueryImage } from '../services/search';

/** A file parsed by Strapi's multipart body parser (formidable). */
interface UploadedFile {
  filepath: string;
  originalFilename?: string | null;
  size: number;
}

const invalid = (message: string) => new errors.ValidationError(`${QUERY_IMAGE_FIELD}: ${message}`, { param: QUERY_IMAGE_FIELD });

/** The query image of a multipart request, checked for presence and size before it is read. Temporary files are removed. */
export async function readQueryImage(files: Record<string, UploadedFile | UploadedFile[]> | undefined, maxBytes: number): Promise<QueryImage> {
  const sent = files?.[QUERY_IMAGE_FIELD];
  try {
    if (!sent) throw invalid(`attach the image to search with as the multipart field "${QUERY_IMAGE_FIELD}"`);
    if (Array.isArray(sent)) throw invalid(`send one image, not ${sent.length}`);
    if (sent.size === 0) throw invalid('the file is empty');
    if (sent.size > maxBytes) {
      throw new errors.PayloadTooLargeError(`${QUERY_IMAGE_FIELD}: the file has ${sent.size} bytes; the limit is ${maxBytes}`, { param: QUERY_IMAGE_FIELD, maxBytes });
    }
    return { bytes: await fs.readFile(sent.filepath), name: sent.originalFilename || 'image' };
  } finally {
    await Promise.all(Object.values(files ?? {}).flat().map((file) => fs.rm(file.filepath, { force: true })));
  }
}
