import type { AddressInfo } from 'node:net';
import type { Core } from '@strapi/strapi';
import { bootStrapi, createApiToken } from '../tests/helpers/strapi';

/**
 * The playground Strapi in its own process, as a benchmark drives it (see app.ts): its config comes from the
 * environment the parent sets. With BENCH_FILES=n it first holds n image file records, for synthetic vectors to
 * point at. Tells the parent its port and a full-access API token, and stops when the parent disconnects.
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

async function main(): Promise<void> {
  const strapi = await bootStrapi({}, { listen: true });
  await seedFileRecords(strapi, Number(process.env.BENCH_FILES ?? 0));
  const token = await createApiToken(strapi, `bench-${Date.now()}`, 'full-access');
  const { port } = strapi.server.httpServer.address() as AddressInfo;
  process.send!({ port, token });
  process.once('disconnect', async () => {
    await strapi.destroy();
    process.exit(0);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
