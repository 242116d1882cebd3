import type { AddressInfo } from 'node:net';
import type { Core } from '@strapi/strapi';
import { randomUUID } from 'node:crypto';
import { INDEX_STATE_UID } from '../server/src/content-types';
import { runtimeOf } from '../server/src/runtime/runtime';
import { bootStrapi, createAdmin, createApiToken } from '../tests/helpers/strapi';
import { startProfiling, type ProfileWindow } from './cpu-profile';

/**
 * The playground Strapi in its own process, as a benchmark drives it (see app.ts): its config comes from the
 * environment the parent sets. With BENCH_FILES=n it first holds n image file records, for synthetic vectors to
 * point at; with BENCH_INDEXED=n the first n are reported indexed (for the duplicate scan); with
 * BENCH_DUPLICATE_SHARE=s a share s of them are copies in the duplicate graph (see seedDuplicatePairs).
 * Tells the parent its port, a full-access API token and a super admin's JWT, profiles its CPU between the parent's
 * `profile-start` and `profile-stop`, and stops when the parent disconnects.
 */

const FILE_UID = 'plugin::upload.file';
const SEED_CHUNK = 500;

async function seedFileRecords(strapi: Core.Strapi, count: number): Promise<void> {
  const query = strapi.db.query(FILE_UID);
  for (let have = await query.count(); have < count; have += SEED_CHUNK) {
    const data = Array.from({ length: Math.min(SEED_CHUNK, count - have) }, (_, i) => {
      const n = have + i + 1;
      return {
        documentId: `bench${n.toString(36).padStart(10, '0')}`,
        name: `synthetic-${n}.jpg`,
        hash: `synthetic_${n}`,
        ext: '.jpg',
        mime: 'image/jpeg',
        size: 120.5,
        width: 1024,
        height: 768,
        url: `/uploads/synthetic_${n}.jpg`,
        provider: 'local',
        folderPath: '/',
      };
    });
    await query.createMany({ data });
  }
}

/** Index-state rows saying files 1..count are indexed, as the workers' reports would. */
async function seedIndexStates(strapi: Core.Strapi, count: number, model: string): Promise<void> {
  const query = strapi.db.query(INDEX_STATE_UID);
  for (let have = await query.count(); have < count; have += SEED_CHUNK) {
    const data = Array.from({ length: Math.min(SEED_CHUNK, count - have) }, (_, i) => ({
      fileId: have + i + 1,
      status: 'indexed',
      hasVector: true,
      model,
      eventId: randomUUID(),
      eventTime: new Date(),
    }));
    await query.createMany({ data });
  }
}

/**
 * Copies among the files, `share` of the library: nine groups in ten are an original with one copy, one in ten an
 * original with four copies that also duplicate each other (a burst of near-identical shots), 1.3 copies a group.
 */
async function seedDuplicatePairs(strapi: Core.Strapi, files: number, share: number): Promise<number> {
  const graph = runtimeOf(strapi).graph;
  const every = Math.round(1.3 / share);
  let pairs = 0;
  for (let original = 1, group = 0; original + 4 <= files; original += every, group++) {
    const members = group % 10 === 0 ? [original, original + 1, original + 2, original + 3, original + 4] : [original, original + 1];
    for (const [i, a] of members.entries()) {
      const others = members.slice(i + 1);
      if (others.length === 0) continue;
      await graph.addPairs(a, others.map((b) => ({ fileId: b, similarity: 0.9 })));
      pairs += others.length;
    }
  }
  return pairs;
}

async function main(): Promise<void> {
  const strapi = await bootStrapi({});
  const files = Number(process.env.BENCH_FILES ?? 0);
  await seedFileRecords(strapi, files);
  await seedIndexStates(strapi, Number(process.env.BENCH_INDEXED ?? 0), runtimeOf(strapi).model.id);
  const pairs = process.env.BENCH_DUPLICATE_SHARE ? await seedDuplicatePairs(strapi, files, Number(process.env.BENCH_DUPLICATE_SHARE)) : 0;
  const token = await createApiToken(strapi, `bench-${Date.now()}`, 'full-access');
  const adminJwt = await createAdmin(strapi, 'strapi-super-admin', `bench-${Date.now()}@example.com`);
  const { port } = strapi.server.httpServer.address() as AddressInfo;
  process.send!({ port, token, adminJwt, pairs });
  let stopProfiling: (() => Promise<ProfileWindow>) | undefined;
  process.on('message', async (message: string) => {
    if (message === 'profile-start') {
      stopProfiling = await startProfiling();
      process.send!({ profiling: true });
    } else if (message === 'profile-stop' && stopProfiling) {
      process.send!({ profiled: await stopProfiling() });
    }
  });
  process.once('disconnect', async () => {
    await strapi.destroy();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
