import type { Core } from '@strapi/strapi';
import { createLeases, LeaseTakenError } from '../../../server/src/strapi-data/leases';

/** Strapi's query API over one in-memory table with a unique name, as the lease content type has. */
function fakeStrapi() {
  const rows: Array<{ name: string; holder: string; expiresAt: Date }> = [];
  type Where = { name: string; holder?: string; $or?: Array<{ holder?: string; expiresAt?: { $lt: Date } }> };
  const matches = (row: (typeof rows)[number], where: Where) =>
    row.name === where.name &&
    (where.holder === undefined || row.holder === where.holder) &&
    (!where.$or || where.$or.some((or) => (or.holder !== undefined && row.holder === or.holder) || (or.expiresAt && row.expiresAt < or.expiresAt.$lt)));
  const query = {
    async updateMany({ where, data }: { where: Where; data: { holder: string; expiresAt: Date } }) {
      const hit = rows.filter((row) => matches(row, where));
      hit.forEach((row) => Object.assign(row, data));
      return { count: hit.length };
    },
    async create({ data }: { data: (typeof rows)[number] }) {
      if (rows.some((row) => row.name === data.name)) throw new Error('UNIQUE constraint failed: image_search_leases.name');
      rows.push({ ...data });
    },
    findOne: async ({ where }: { where: Where }) => rows.find((row) => matches(row, where)) ?? null,
    async deleteMany({ where }: { where: Where }) {
      for (let i = rows.length - 1; i >= 0; i--) if (matches(rows[i], where)) rows.splice(i, 1);
    },
  };
  return { strapi: { db: { query: () => query } } as unknown as Core.Strapi, rows };
}

describe('leases', () => {
  it('gives a free or expired lease to one holder at a time, and renews it for its holder', async () => {
    const { strapi, rows } = fakeStrapi();
    const leases = createLeases(strapi);
    expect(await leases.acquire('relay', 'a', 1000)).toBe(true);
    expect(await leases.acquire('relay', 'b', 1000)).toBe(false);
    expect(await leases.acquire('relay', 'a', 1000)).toBe(true);
    rows[0].expiresAt = new Date(Date.now() - 1);
    expect(await leases.acquire('relay', 'b', 1000)).toBe(true);
    await leases.release('relay', 'a');
    expect(rows).toMatchObject([{ name: 'relay', holder: 'b' }]);
  });

  it('runs exclusive work once per name set, releasing what it took when one name is held', async () => {
    const { strapi, rows } = fakeStrapi();
    const leases = createLeases(strapi);
    let release!: () => void;
    const first = leases.exclusive(['file:2', 'file:1'], () => new Promise<string>((resolve) => (release = () => resolve('merged'))));
    await new Promise((resolve) => setTimeout(resolve, 0));
    const second = await leases.exclusive(['file:3', 'file:2'], async () => 'merged too').catch((error: unknown) => error);
    expect(second).toBeInstanceOf(LeaseTakenError);
    expect((second as LeaseTakenError).lease).toBe('file:2');
    // Sorted, the second run asked for file:2 first: it holds nothing.
    expect(rows.map((row) => row.name).sort()).toEqual(['file:1', 'file:2']);
    release();
    expect(await first).toBe('merged');
    expect(rows).toEqual([]);
    expect(await leases.exclusive(['file:3', 'file:2'], async () => 'now')).toBe('now');
  });
});
