import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { MediaFile } from '../contracts/events';
import { UnavailableError, UnindexableError } from '../errors/pipeline-errors';

/** Reads a file's bytes: absolute URLs over HTTP, relative ones (local upload provider) from disk or a base URL. */

export interface FileSourceOptions {
  /** The Strapi app's public directory, when the worker shares its disk. */
  publicDir?: string;
  /** The Strapi server's public URL, for relative file URLs read from another machine. */
  publicBaseUrl?: string;
  /** Larger files are refused (unindexable) before they are read whole: a download stops at this many bytes. */
  maxBytes: number;
  timeoutMs?: number;
}

export type FileSource = (file: Pick<MediaFile, 'id' | 'url'>) => Promise<Buffer>;

export function createFileSource({ publicDir, publicBaseUrl, maxBytes, timeoutMs = 30_000 }: FileSourceOptions): FileSource {
  return async (file) => {
    if (/^https?:\/\//i.test(file.url)) return download(new URL(file.url), maxBytes, timeoutMs);
    if (publicDir) return readLocal(publicDir, file.url, maxBytes);
    if (publicBaseUrl) return download(new URL(file.url, publicBaseUrl), maxBytes, timeoutMs);
    throw new UnindexableError(
      `File ${file.id} has a relative URL (${file.url}) but neither worker.publicDir nor worker.publicBaseUrl is configured`
    );
  };
}

/** Local paths stand where the worker has file URLs: the `embed` command and the benchmarks read files this way. */
export const readLocalPath: FileSource = async (file) => {
  try {
    return await fs.readFile(file.url);
  } catch (error) {
    throw new UnindexableError(`cannot read the file: ${(error as Error).message}`, { cause: error });
  }
};

const tooLarge = (url: string | URL, maxBytes: number) =>
  new UnindexableError(`File ${String(url)} is larger than the limit of ${maxBytes.toLocaleString('en')} bytes (worker.maxFileBytes)`);

async function readLocal(publicDir: string, url: string, maxBytes: number): Promise<Buffer> {
  const root = path.resolve(publicDir);
  const target = path.resolve(root, '.' + decodeURIComponent(url.split('?')[0]));
  if (!target.startsWith(root + path.sep)) throw new UnindexableError(`File URL escapes the public directory: ${url}`);
  try {
    if ((await fs.stat(target)).size > maxBytes) throw tooLarge(url, maxBytes);
    return await fs.readFile(target);
  } catch (error) {
    if (error instanceof UnindexableError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UnindexableError(`File is gone: ${url}`);
    throw new UnavailableError(`Cannot read ${target}: ${(error as Error).message}`, { cause: error });
  }
}

async function download(url: URL, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]);
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (error) {
    throw new UnavailableError(`Cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404 || response.status === 410) throw new UnindexableError(`File is gone: ${url} (${response.status})`);
  if (!response.ok) throw new UnavailableError(`Fetching ${url} answered ${response.status}`);
  if (Number(response.headers.get('content-length')) > maxBytes) {
    abort.abort();
    throw tooLarge(url, maxBytes);
  }
  // Counted as it arrives: a server may send more than it declared, or declare nothing.
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of response.body ? Readable.fromWeb(response.body as never) : []) {
      received += chunk.length;
      if (received > maxBytes) {
        abort.abort();
        throw tooLarge(url, maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof UnindexableError) throw error;
    throw new UnavailableError(`Cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  return Buffer.concat(chunks);
}
