import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { check, FIELDS } from '../server/src/vector-store/collection';
import { vectorRowId } from '../server/src/vector-store/partitions';
import { createSyntheticVectors, ensurePartitions, syntheticPartitions } from './synthetic';

/**
 * Synthetic rows loaded with Milvus's bulk insert: each batch is written as NumPy column files (one per field) that
 * the server reads itself, so no row goes through the client's per-row encoding (which caps inserts at about
 * 2,000 rows/s here). The files sit in a temporary folder the local Milvus can read, and are deleted after import.
 * Imported rows are searchable once waitUntilIndexed has loaded the collection again.
 */

const FILES_PER_BATCH = 50_000;
const POLL_MS = 250;

/** A NumPy .npy file: the v1.0 header (padded to 64 bytes) then the raw little-endian values. */
function npy(dtype: string, shape: number[], data: Buffer): Buffer {
  const dict = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const padded = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const header = Buffer.alloc(10);
  header.write('\x93NUMPY', 0, 'latin1');
  header.writeUInt8(1, 6);
  header.writeUInt8(0, 7);
  header.writeUInt16LE(padded.length, 8);
  return Buffer.concat([header, Buffer.from(padded, 'latin1'), data]);
}

interface Columns {
  pks: string[];
  fileIds: number[];
  vectors: number[][];
}

/** Writes one partition's rows as the four column files bulk insert takes; returns their paths. */
function writeColumns(dir: string, columns: Columns, dim: number): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const rows = columns.pks.length;
  const width = Math.max(...columns.pks.map((pk) => pk.length));
  // Fixed-width UTF-32 strings, NumPy's '<U' type.
  const pks = Buffer.alloc(rows * width * 4);
  columns.pks.forEach((pk, i) => [...pk].forEach((char, j) => pks.writeUInt32LE(char.codePointAt(0)!, (i * width + j) * 4)));
  const ints = (values: number[]) => Buffer.from(BigInt64Array.from(values, BigInt).buffer);
  const vectors = new Float32Array(rows * dim);
  columns.vectors.forEach((vector, i) => vectors.set(vector, i * dim));
  const files = {
    [FIELDS.pk]: npy(`<U${width}`, [rows], pks),
    [FIELDS.fileId]: npy('<i8', [rows], ints(columns.fileIds)),
    [FIELDS.version]: npy('<i8', [rows], ints(columns.fileIds.map(() => 1))),
    [FIELDS.vector]: npy('<f4', [rows, dim], Buffer.from(vectors.buffer)),
  };
  return Object.entries(files).map(([field, bytes]) => {
    const file = path.join(dir, `${field}.npy`);
    fs.writeFileSync(file, bytes);
    return file;
  });
}

async function importFiles(client: MilvusClient, collection: string, partition: string, files: string[]): Promise<void> {
  const started = await client.bulkInsert({ collection_name: collection, partition_name: partition, files });
  check(started.status, 'bulkInsert');
  const task = String(started.tasks[0]);
  for (;;) {
    const listed = await client.listImportTasks({ collection_name: collection });
    check(listed.status, 'listImportTasks');
    const state = listed.tasks.find((candidate) => String(candidate.id) === task);
    if (state?.state === 'ImportCompleted') return;
    if (state?.state === 'ImportFailed' || state?.state === 'ImportFailedAndCleaned') {
      throw new Error(`bulk insert into ${collection}/${partition} failed: ${state.infos.find((info) => info.key === 'failed_reason')?.value}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Loads the rows of files `from`..`to` (inclusive); the next batch is made while the server imports one. */
export async function loadSyntheticRows(client: MilvusClient, collection: string, dim: number, from: number, to: number): Promise<void> {
  const vectors = createSyntheticVectors(dim);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'image-search-bulk-'));
  let importing: Promise<void> = Promise.resolve();
  try {
    for (let low = from; low <= to; low += FILES_PER_BATCH) {
      const byPartition = new Map<string, Columns>();
      for (let fileId = low; fileId <= Math.min(to, low + FILES_PER_BATCH - 1); fileId++) {
        const vector = vectors.vector(fileId);
        for (const partition of syntheticPartitions(fileId)) {
          if (!byPartition.has(partition)) byPartition.set(partition, { pks: [], fileIds: [], vectors: [] });
          const columns = byPartition.get(partition)!;
          columns.pks.push(vectorRowId(fileId, partition));
          columns.fileIds.push(fileId);
          columns.vectors.push(vector);
        }
      }
      await ensurePartitions(client, collection, [...byPartition.keys()]);
      const batch = [...byPartition].map(([partition, columns]) => ({ partition, files: writeColumns(path.join(tmp, `${low}-${partition}`), columns, dim) }));
      await importing;
      importing = (async () => {
        for (const { partition, files } of batch) {
          await importFiles(client, collection, partition, files);
          fs.rmSync(path.dirname(files[0]), { recursive: true, force: true });
        }
      })();
      importing.catch(() => undefined);
    }
    await importing;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
