import type { Core } from '@strapi/strapi';
import request from 'supertest';
import type { SimilarHit } from '../../server/src/contracts/http';
import { eventually } from './services';
import { adminPath } from '../../server/src/contracts/routes';

/** The plugin's HTTP surface as a test sees it: uploads through Strapi, searches through the admin route. */
export function pluginApi(strapi: Core.Strapi, credentials: { adminJwt: string; apiToken: string }) {
  const http = request(strapi.server.httpServer);

  const similar = (id: number, query: Record<string, string | number | string[]> = {}, auth = `Bearer ${credentials.adminJwt}`) =>
    http.get(adminPath('similarToFile', { id: id })).query(query).set('Authorization', auth);

  return {
    http,
    similar,
    adminAuth: `Bearer ${credentials.adminJwt}`,

    async upload(file: string): Promise<number> {
      const res = await http.post('/api/upload').set('Authorization', `Bearer ${credentials.apiToken}`).attach('files', file);
      if (res.status !== 201) throw new Error(`upload of ${file} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body[0].id as number;
    },

    /** Waits until the file is searchable (no longer 409 "not indexed"). */
    indexed: (id: number, timeoutMs = 90_000) =>
      eventually(`file ${id} to be indexed`, async () => ((await similar(id)).status === 200 ? true : undefined), timeoutMs, 100),
  };
}

export const ids = (hits: readonly SimilarHit[]) => hits.map((hit) => hit.file.id);
