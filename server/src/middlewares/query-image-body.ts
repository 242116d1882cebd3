import busboy from 'busboy';
import { errors } from '@strapi/utils';
import { QUERY_IMAGE_FIELD } from '../contracts/http';

/**
 * Reads the multipart body of search by image into memory, ahead of Strapi's body parser. That parser writes every
 * multipart file to the temp dir, accepts 200 MB, and leaves the file behind whenever the request fails before a
 * controller removes it (a 401, 403 or 400). Here nothing touches the disk, and reading stops at
 * `search.maxUploadBytes`.
 *
 * A parse error is kept for the controller rather than answered here, so a caller without the right still gets 401
 * or 403, from Strapi's own checks.
 */

export interface QueryImage {
  bytes: Buffer;
  name: string;
}

export interface ParsedQueryImage {
  image?: QueryImage;
  error?: Error;
}

/** Where the parse result waits for the controller. */
const STATE_KEY = 'imageSearchQueryImage';

/** Room for the multipart boundaries, part headers and the form fields next to the image. */
const ENVELOPE_BYTES = 64 * 1024;
/** A refused body is still drained, unread, when it declares at most this many times what may be read. */
const DRAINABLE_FACTOR = 2;
const LIMITS = { files: 1, fields: 20, fieldSize: 1024, parts: 21 };

interface Context {
  method: string;
  path: string;
  req: import('node:http').IncomingMessage;
  request: { body?: unknown };
  state: Record<string, unknown>;
  is(type: string): string | false | null;
  set(field: string, value: string): void;
}

const tooLarge = (maxBytes: number) =>
  new errors.PayloadTooLargeError(`${QUERY_IMAGE_FIELD}: the file is larger than the limit of ${maxBytes} bytes`, { param: QUERY_IMAGE_FIELD, maxBytes });
const invalid = (message: string) => new errors.ValidationError(`${QUERY_IMAGE_FIELD}: ${message}`, { param: QUERY_IMAGE_FIELD });

/** `paths`: the routes that take a query image (admin and content API). */
export function queryImageBody({ paths, maxBytes }: { paths: readonly string[]; maxBytes: number }) {
  return async (ctx: Context, next: () => Promise<void>) => {
    if (ctx.method !== 'POST' || !paths.includes(ctx.path) || !ctx.is('multipart')) return next();
    const declared = Number(ctx.req.headers['content-length']);
    const drainable = DRAINABLE_FACTOR * (maxBytes + ENVELOPE_BYTES);
    let parsed: ParsedQueryImage & { fields?: Record<string, string | string[]> };
    if (declared > maxBytes + ENVELOPE_BYTES) parsed = { error: tooLarge(maxBytes) };
    else parsed = await parse(ctx.req, maxBytes).catch((error: Error) => ({ error }));
    // A refused body declared at most twice what may be read is discarded to its end before the answer, so a careless
    // client that sent a little too much reads its 413 instead of a broken pipe (a connection that closes after the
    // answer closes while it still writes). One declared larger closes the connection with the answer. One of unknown
    // length is answered at once and discarded behind the answer, cut off once it passes that bound.
    if (parsed.error && !ctx.req.complete) {
      if (declared > drainable) ctx.set('Connection', 'close');
      else if (declared >= 0) await discardUpTo(ctx.req, drainable);
      else void discardUpTo(ctx.req, drainable);
    }

    ctx.state[STATE_KEY] = { image: parsed.image, error: parsed.error } satisfies ParsedQueryImage;
    ctx.request.body = parsed.fields ?? {};
    // The body is read: without a content type, Strapi's parser leaves the stream (and ctx.request.body) alone.
    delete ctx.req.headers['content-type'];
    return next();
  };
}

/** Resolves once the rest of the body is read and dropped, or the connection is cut for passing `maxBytes`. */
function discardUpTo(req: Context['req'], maxBytes: number): Promise<void> {
  return new Promise((resolve) => {
    let discarded = 0;
    req.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > maxBytes) req.socket.destroy();
    });
    req.once('end', resolve);
    req.once('close', resolve);
    req.resume();
  });
}

/** The controller's side: the query image of this request, or the reason there is none. */
export function takeQueryImage(state: Record<string, unknown>): QueryImage {
  const parsed = state[STATE_KEY] as ParsedQueryImage | undefined;
  if (parsed?.error) throw parsed.error;
  if (!parsed?.image) throw invalid(`attach the image to search with as the multipart field "${QUERY_IMAGE_FIELD}"`);
  if (parsed.image.bytes.length === 0) throw invalid('the file is empty');
  return parsed.image;
}

function parse(req: Context['req'], maxBytes: number): Promise<{ image?: QueryImage; fields: Record<string, string | string[]> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    let image: QueryImage | undefined;
    let failed = false;
    const parser = busboy({ headers: req.headers, limits: { ...LIMITS, fileSize: maxBytes } });
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      reject(error);
    };

    parser.on('file', (name, stream, info) => {
      if (name !== QUERY_IMAGE_FIELD) {
        stream.resume();
        return fail(invalid(`only the field "${QUERY_IMAGE_FIELD}" may carry a file, not "${name}"`));
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge(maxBytes)));
      stream.on('end', () => {
        image = { bytes: Buffer.concat(chunks), name: info.filename || 'image' };
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) return fail(new errors.ValidationError(`${name}: the value is too long`, { param: name }));
      const current = fields[name];
      fields[name] = current === undefined ? value : [...(Array.isArray(current) ? current : [current]), value];
    });
    parser.on('filesLimit', () => fail(invalid('send one image, not several')));
    parser.on('fieldsLimit', () => fail(invalid(`send at most ${LIMITS.fields} form fields`)));
    parser.on('partsLimit', () => fail(invalid(`send at most ${LIMITS.parts} parts`)));
    parser.on('error', (error: Error) => fail(invalid(`the multipart body is malformed: ${error.message}`)));
    parser.on('close', () => {
      if (!failed) resolve({ image, fields });
    });
    req.on('error', fail);
    req.pipe(parser);
  });
}
