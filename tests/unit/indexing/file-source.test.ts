import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { UnindexableError } from '../../../server/src/errors/pipeline-errors';
import { createFileSource } from '../../../server/src/indexing/file-source';

const MAX = 64 * 1024;

describe('file source size limit', () => {
  let server: http.Server;
  let base: string;
  const sent = new Map<string, number>();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-file-source-'));

  beforeAll(async () => {
    // /declared/N answers N bytes with a Content-Length; /chunked/N streams N bytes without one.
    server = http.createServer((req, res) => {
      const [, kind, size] = req.url!.split('/');
      const total = Number(size);
      if (kind === 'declared') res.setHeader('Content-Length', total);
      let written = 0;
      const pump = () => {
        while (written < total) {
          const chunk = Buffer.alloc(Math.min(16 * 1024, total - written), 1);
          written += chunk.length;
          sent.set(req.url!, written);
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    fs.writeFileSync(path.join(dir, 'small.bin'), Buffer.alloc(MAX));
    fs.writeFileSync(path.join(dir, 'big.bin'), Buffer.alloc(MAX + 1));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const read = (url: string, options: { publicDir?: string } = {}) => createFileSource({ maxBytes: MAX, ...options })({ id: 1, url });

  it('reads files up to the limit, over HTTP and from disk', async () => {
    expect((await read(`${base}/declared/${MAX}`)).length).toBe(MAX);
    expect((await read(`${base}/chunked/${MAX}`)).length).toBe(MAX);
    expect((await read('/small.bin', { publicDir: dir })).length).toBe(MAX);
  });

  it.each([
    ['a declared length over the limit', () => read(`${base}/declared/${50 * MAX}`)],
    ['a body without a length that goes on past the limit', () => read(`${base}/chunked/${50 * MAX}`)],
    ['a local file over the limit', () => read('/big.bin', { publicDir: dir })],
  ])('refuses %s, for good, without reading it whole', async (_, attempt) => {
    const error = await attempt().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnindexableError);
    expect((error as Error).message).toContain('worker.maxFileBytes');
  });

  it('stops downloading at the limit', async () => {
    await read(`${base}/chunked/${400 * MAX}`).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // What the sockets buffer on top of the limit, far from the 25 MB the server would send.
    expect(sent.get(`/chunked/${400 * MAX}`)).toBeLessThan(4 * 1024 * 1024);
  });
});
