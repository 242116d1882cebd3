import fs from 'node:fs/promises';
import path from 'node:path';
import type { MediaFile } from '../contracts/events';
import { UnavailableError, UnindexableError } from '../errors';

/** Reads a file's bytes: absolute URLs over HTTP, relative ones (local upload provider) from disk or a base URL. */

export interface FileSourceOptions {
  /** The Strapi app's public directory, when the worker shares its disk. */
  publicDir?: string;
  /** The Strapi server's public URL, for relative file URLs read from another machine. */
  publicBaseUrl?: string;
  timeoutMs?: number;
}

export type FileSource = (file: Pick<MediaFile, 'id' | 'url'>) => Promise<Buffer>;

export function createFileSource({ publicDir, publicBaseUrl, timeoutMs = 30_000 }: FileSourceOptions): FileSource {
  return async (file) => {
    if (/^https?:\/\//i.test(file.url)) return download(new URL(file.url), timeoutMs);
    if (publicDir) return readLocal(publicDir, file.url);
    if (publicBaseUrl) return download(new URL(file.url, publicBaseUrl), timeoutMs);
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

async function readLocal(publicDir: string, url: string): Promise<Buffer> {
  const root = path.resolve(publicDir);
  const target = path.resolve(root, '.' + decodeURIComponent(url.split('?')[0]));
  if (!target.startsWith(root + path.sep)) throw new UnindexableError(`File URL escapes the public directory: ${url}`);
  try {
    return await fs.readFile(target);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UnindexableError(`File is gone: ${url}`);
    throw new UnavailableError(`Cannot read ${target}: ${(error as Error).message}`, { cause: error });
  }
}

async function download(url: URL, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UnavailableError(`Cannot fetch ${url}: ${(error as Error).message}`, { cause: error });
  }
  if (response.status === 404 || response.status === 410) throw new UnindexableError(`File is gone: ${url} (${response.status})`);
  if (!response.ok) throw new UnavailableError(`Fetching ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}
