import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Core } from '@strapi/strapi';
import { INDEX_STATE_UID } from '../../server/src/content-types';
import { allBombs } from '../helpers/bombs';
import { samplePhotos } from '../helpers/photos';
import { appEnv, eventually } from '../helpers/services';
import { bootStrapi, createAdmin, createApiToken } from '../helpers/strapi';

/**
 * What an attacker or a careless client can send: decompression bombs must never stall the server (a health check
 * answers within 200 ms throughout), and no request, whatever its outcome, leaves a file in the temp dir or is read
 * past the upload limit.
 */

const run = `ho${Date.now().toString(36)}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-hostile-'));
// The server's temp dir, watched for leftovers; the test's own files live in `scratch`.
const serverTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-server-tmp-'));
const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;
const HEALTH_LIMIT_MS = 200;

let strapi: Core.Strapi;
let baseUrl: string;
let adminJwt: string;
let searchToken: string;
let uploadToken: string;
let bombs: Awaited<ReturnType<typeof allBombs>>;
const [cat] = samplePhotos(['skimage-chelsea.png']);

/** Polls GET /_health until `work` settles; returns the slowest answer's latency in ms. */
async function slowestHealthCheckDuring<T>(work: Promise<T>): Promise<{ result: T; slowestMs: number; checks: number }> {
  let done = false;
  let slowestMs = 0;
  let checks = 0;
  const polling = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${baseUrl}/_health`);
      slowestMs = Math.max(slowestMs, performance.now() - started);
      checks++;
      expect(res.status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    return { result: await work, slowestMs, checks };
  } finally {
    done = true;
    await polling;
  }
}

const searchByImage = (bytes: Buffer, fileName: string, authorization = `Bearer ${searchToken}`, query = '') => {
  const form = new FormData();
  form.append('image', new Blob([new Uint8Array(bytes)]), fileName);
  return fetch(`${baseUrl}/api/image-search/search${query}`, { method: 'POST', body: form, headers: authorization ? { Authorization: authorization } : {} });
};

const tempFiles = () => fs.readdirSync(serverTmp);

beforeAll(async () => {
  process.env.TMPDIR = serverTmp;
  strapi = await bootStrapi({ ...appEnv(run, scratch), IMAGE_SEARCH_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) }, { listen: true });
  baseUrl = `http://127.0.0.1:${(strapi.server.httpServer.address() as AddressInfo).port}`;
  adminJwt = await createAdmin(strapi, 'strapi-super-admin', `admin-${run}@example.com`);
  searchToken = await createApiToken(strapi, `search-${run}`, 'custom', ['plugin::image-search.search.similarToImage']);
  uploadToken = await createApiToken(strapi, `upload-${run}`, 'full-access');
  bombs = await allBombs();
}, 240_000);

afterAll(async () => {
  await strapi?.destroy();
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.rmSync(serverTmp, { recursive: true, force: true });
});

describe('decompression bombs never stall the server', () => {
  it.each([0, 1, 2, 3, 4, 5])('search by image with bomb %i', async (index) => {
    const [name, bytes, fileName] = bombs[index];
    const { result: res, slowestMs, checks } = await slowestHealthCheckDuring(searchByImage(bytes, fileName));
    console.log(`BOMB search ${name} (${bytes.length} bytes): ${res.status}; slowest of ${checks} health checks ${slowestMs.toFixed(0)} ms`);
    expect(res.status).toBeLessThan(500);
    expect(slowestMs).toBeLessThan(HEALTH_LIMIT_MS);
  });

  it('eight bombs at once', async () => {
    const eight = [...bombs, bombs[0], bombs[0]].map(([, bytes, fileName]) => searchByImage(bytes, fileName));
    const { result, slowestMs, checks } = await slowestHealthCheckDuring(Promise.all(eight));
    console.log(`BOMB search 8 at once: ${result.map((res) => res.status).join(' ')}; slowest of ${checks} health checks ${slowestMs.toFixed(0)} ms`);
    for (const res of result) expect(res.status).toBeLessThan(500);
    expect(slowestMs).toBeLessThan(HEALTH_LIMIT_MS);
  });

  it('uploaded to the media library, while the in-process worker indexes them', async () => {
    const upload = async ([, bytes, fileName]: (typeof bombs)[number]) => {
      const form = new FormData();
      form.append('files', new Blob([new Uint8Array(bytes)]), fileName);
      const res = await fetch(`${baseUrl}/api/upload`, { method: 'POST', body: form, headers: { Authorization: `Bearer ${uploadToken}` } });
      expect(res.status).toBe(201);
      return ((await res.json()) as Array<{ id: number }>)[0].id;
    };
    const outcomes = async () => {
      const ids = await Promise.all(bombs.map(upload));
      // Each ends indexed or failed, with its reason: neither stalls the worker for the files behind it.
      return eventually('every bomb to be indexed or failed', async () => {
        const states = await strapi.db.query(INDEX_STATE_UID).findMany({ where: { fileId: { $in: ids } }, select: ['fileId', 'status'] });
        return states.length === ids.length ? states : undefined;
      }, 120_000);
    };
    const { result, slowestMs, checks } = await slowestHealthCheckDuring(outcomes());
    console.log(`BOMB upload and index all six: ${result.map((state) => state.status).join(' ')}; slowest of ${checks} health checks ${slowestMs.toFixed(0)} ms`);
    expect(slowestMs).toBeLessThan(HEALTH_LIMIT_MS);
  });
});

describe('no request leaves a file behind or is read past the limit', () => {
  /** Sends a multipart body of `bytes` in chunks without declaring its length; stops when the server answers. */
  function streamUpload(bytes: number, authorization?: string): Promise<{ status: number; sent: number }> {
    return new Promise((resolve, reject) => {
      const boundary = 'image-search-boundary';
      const req = http.request(`${baseUrl}/api/image-search/search`, {
        method: 'POST',
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Transfer-Encoding': 'chunked', ...(authorization ? { Authorization: authorization } : {}) },
      });
      let sent = 0;
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve({ status: res.statusCode ?? 0, sent });
      });
      req.on('error', (error) => (answered ? undefined : reject(error)));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 0x41);
      const pump = () => {
        while (!answered && sent < bytes) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end(`\r\n--${boundary}--\r\n`);
      };
      pump();
    });
  }

  it('leaves the temp dir as it was, whatever the outcome', async () => {
    const before = tempFiles();
    const png = fs.readFileSync(cat);
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['no credentials', () => searchByImage(png, 'cat.png', ''), 403],
      ['a wrong token', () => searchByImage(png, 'cat.png', 'Bearer nope'), 401],
      ['a token without the right', async () => searchByImage(png, 'cat.png', `Bearer ${await createApiToken(strapi, `ro-${run}`, 'read-only')}`), 403],
      ['a bad parameter', () => searchByImage(png, 'cat.png', undefined, '?threshold=2'), 400],
      ['an unknown parameter', () => searchByImage(png, 'cat.png', undefined, '?colour=red'), 400],
      ['over the byte limit', () => searchByImage(Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1), 'big.jpg'), 413],
      ['over the byte limit, anonymous', () => searchByImage(Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1), 'big.jpg', ''), 403],
      ['the admin route without a session', () => fetch(`${baseUrl}/image-search/search`, { method: 'POST', body: formWith(png) }), 401],
      ['a file in another field', () => fetch(`${baseUrl}/api/image-search/search`, { method: 'POST', body: formWith(png, 'files'), headers: { Authorization: `Bearer ${searchToken}` } }), 400],
      ['a good request', () => searchByImage(png, 'cat.png'), 200],
      ['a good admin request', () => fetch(`${baseUrl}/image-search/search`, { method: 'POST', body: formWith(png), headers: { Authorization: `Bearer ${adminJwt}` } }), 200],
    ];
    for (const [name, send, status] of cases) {
      const res = await send();
      expect({ name, status: res.status }).toEqual({ name, status });
      expect({ name, leftovers: tempFiles().filter((file) => !before.includes(file)) }).toEqual({ name, leftovers: [] });
    }
  });

  it('stops reading an oversized body at the limit, with or without credentials', async () => {
    for (const authorization of [`Bearer ${searchToken}`, undefined]) {
      const { status, sent } = await streamUpload(20 * MAX_UPLOAD_BYTES, authorization);
      console.log(`UPLOAD 40 MB streamed (${authorization ? 'search token' : 'anonymous'}): ${status} after ${(sent / 1e6).toFixed(1)} MB sent`);
      expect(status).toBe(authorization ? 413 : 403);
      // What the sockets buffer comes on top of the limit, never the whole body.
      expect(sent).toBeLessThan(MAX_UPLOAD_BYTES + 8 * 1024 * 1024);
    }
    expect(tempFiles()).toEqual([]);
  });

  it('answers a declared oversized body at once, without reading it', async () => {
    const res = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${baseUrl}/api/image-search/search`, {
        method: 'POST',
        headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': String(150 * 1024 * 1024), Authorization: `Bearer ${searchToken}` },
      });
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('--x\r\n');
    });
    expect(res).toBe(413);
  });
});

function formWith(bytes: Buffer, field = 'image') {
  const form = new FormData();
  form.append(field, new Blob([new Uint8Array(bytes)]), 'cat.png');
  return form;
}
