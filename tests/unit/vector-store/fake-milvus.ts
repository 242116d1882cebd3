import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { parseConfig } from '../../../server/src/config/schema';

/** A fake Milvus for the index calls, and configs that differ only in milvus.index. */

export const ok = { error_code: 'Success', reason: '' };
export const config = (index: object) => parseConfig({ kafka: { brokers: ['k:9092'] }, milvus: { address: 'm:19530', index } });

/** A Milvus that accepts everything, and reports each index build as `states` says, one state per describeIndex. */
export function fakeMilvus({ createIndex = ok, states = ['Finished'], failReason = '' }: { createIndex?: object; states?: string[]; failReason?: string } = {}) {
  const calls = { created: [] as string[], dropped: [] as string[], indexes: [] as unknown[] };
  let described = 0;
  const client = {
    createCollection: async ({ collection_name }: { collection_name: string }) => (calls.created.push(collection_name), ok),
    insert: async () => ({ status: ok }),
    flushSync: async () => ({ status: ok }),
    createIndex: async (request: unknown) => (calls.indexes.push(request), createIndex),
    describeIndex: async () => {
      const state = states[Math.min(described++, states.length - 1)];
      return { status: ok, index_descriptions: [{ state, index_state_fail_reason: failReason, params: [{ key: 'index_type', value: 'HNSW' }] }] };
    },
    dropCollection: async ({ collection_name }: { collection_name: string }) => (calls.dropped.push(collection_name), ok),
  };
  return { client: client as unknown as MilvusClient, calls };
}
