import fs from 'node:fs';
import type { MilvusClient } from '@zilliz/milvus2-sdk-node';
import { parseConfig, type PluginConfig } from '../config/schema';
import { errorMessage } from '../errors/pipeline-errors';
import { assertModelPresent, loadTf } from '../embedding/extractor';
import { resolveModel, type ModelSpec } from '../embedding/models';
import { inspectCluster } from '../messaging/cluster';
import { within } from '../utils/within';
import { closeMilvusClient, createMilvusClient } from '../vector-store/collection';
import { collectionName, spaceIdOf } from '../vector-store/milvus-store';
import { createProjectionStore } from '../vector-store/projections';
import { IDENTITY } from '../whitening/projection';
import { DISKANN_FIX, type DiskAnnSupport, probeDiskAnn } from '../vector-store/vector-index';

/**
 * `strapi-image-search doctor`: checks what the plugin depends on, as deployed, and says how to fix what is wrong.
 * Each check is independent, so one failure does not hide the others.
 */

export interface Finding {
  check: string;
  ok: boolean;
  /** What was found, or what is wrong. */
  detail: string;
  /** How to fix it, when it is wrong. */
  fix?: string;
}

const TIMEOUT_MS = 10_000;
/** How long a test DISKANN build may take before it counts as impossible. */
const DISKANN_PROBE_MS = 30_000;

export function checkCpu(cpuinfo = readCpuinfo()): Finding {
  if (cpuinfo === null) return { check: 'CPU', ok: true, detail: 'cannot read /proc/cpuinfo; skipped (not Linux?)' };
  const flags = new Set(/^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].trim().split(/\s+/) ?? []);
  if (flags.has('avx2')) return { check: 'CPU', ok: true, detail: `AVX2 present${flags.has('avx512f') ? ', AVX-512 too' : ''}` };
  return {
    check: 'CPU',
    ok: false,
    detail: 'no AVX2: the TensorFlow build tfjs-node uses and Milvus both need it',
    fix: 'run the workers and Milvus on x86-64 machines with AVX2 (any Intel since Haswell, AMD since Excavator)',
  };
}

function readCpuinfo(): string | null {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

async function checkModel(config: PluginConfig): Promise<Finding[]> {
  const model = resolveModel(config.model);
  const findings: Finding[] = [];
  try {
    assertModelPresent(model);
    findings.push({ check: 'model', ok: true, detail: `${model.id} (${model.dim}-d) at ${model.source.path}` });
  } catch (error) {
    findings.push({ check: 'model', ok: false, detail: errorMessage(error), fix: 'fetch the weights (bash node_modules/strapi-plugin-image-search/scripts/fetch-model.sh, or npm run setup in a clone), or fix model.path / model.weights' });
  }
  try {
    const tf = await loadTf();
    findings.push({ check: 'TensorFlow', ok: tf.getBackend() === 'tensorflow', detail: `tfjs-node ${tf.version.tfjs}, backend ${tf.getBackend()}` });
  } catch (error) {
    findings.push({
      check: 'TensorFlow',
      ok: false,
      detail: `tfjs-node does not load: ${errorMessage(error).split('\n')[0]}`,
      fix: 'install libtensorflow into node_modules/@tensorflow/tfjs-node/deps and rebuild the addon (README, "Installation", or scripts/setup-tfjs.sh)',
    });
  }
  return findings;
}

async function checkKafka(config: PluginConfig): Promise<Finding[]> {
  const topics = [config.kafka.topic, config.kafka.indexTopic, config.kafka.deadLetterTopic];
  try {
    const cluster = await inspectCluster(config.kafka, topics, TIMEOUT_MS);
    const findings: Finding[] = [{ check: 'Kafka', ok: true, detail: `${cluster.brokers} broker(s) at ${config.kafka.brokers.join(', ')}, controller ${cluster.controller}` }];
    for (const topic of topics) {
      const partitions = cluster.partitions.get(topic);
      if (partitions === undefined) findings.push({ check: `topic ${topic}`, ok: true, detail: 'not created yet; Strapi or a worker creates it on start' });
      else {
        const fewer = topic === config.kafka.topic && partitions < config.kafka.topicPartitions;
        findings.push({
          check: `topic ${topic}`,
          ok: !fewer,
          detail: `${partitions} partition(s)${fewer ? `, fewer than kafka.topicPartitions (${config.kafka.topicPartitions})` : ''}`,
          fix: fewer ? `add partitions (kafka-topics.sh --alter --partitions ${config.kafka.topicPartitions}); events of one file keep their order only from then on` : undefined,
        });
      }
    }
    return findings;
  } catch (error) {
    return [{ check: 'Kafka', ok: false, detail: `${config.kafka.brokers.join(', ')}: ${errorMessage(error)}`, fix: 'check kafka.brokers, the network, and kafka.ssl / kafka.sasl' }];
  }
}

async function checkMilvus(config: PluginConfig): Promise<Finding[]> {
  const model = resolveModel(config.model);
  const client = createMilvusClient(config.milvus, TIMEOUT_MS);
  try {
    const { version } = await within(TIMEOUT_MS, client.getVersion());
    const findings: Finding[] = [
      {
        check: 'Milvus',
        ok: /^v?2\.3\./.test(version),
        detail: `${version} at ${config.milvus.address}`,
        fix: /^v?2\.3\./.test(version) ? undefined : 'the plugin is tested with Milvus 2.3 and @zilliz/milvus2-sdk-node 2.3.5; newer servers speak the same API but are not tested',
      },
    ];
    if (config.milvus.index.type === 'DISKANN') findings.push(await checkDiskAnn(client, config));
    const name = collectionName(config.milvus.collectionPrefix, model.id);
    const has = await within(TIMEOUT_MS, client.hasCollection({ collection_name: name }));
    if (!has.value) findings.push({ check: `collection ${name}`, ok: true, detail: 'not created yet; Strapi or a worker creates it on start' });
    else {
      findings.push(await checkIndexType(client, name, config));
      const described = await within(TIMEOUT_MS, client.describeCollection({ collection_name: name }));
      const vectorField = described.schema.fields.find((field) => field.name === 'embedding');
      const dim = Number(vectorField?.type_params?.find((param) => param.key === 'dim')?.value);
      findings.push(await checkSpace(client, config, model, name, dim, spaceIdOf(described.schema.description)));
    }
    return findings;
  } catch (error) {
    return [{ check: 'Milvus', ok: false, detail: `${config.milvus.address}: ${errorMessage(error).split('\n')[0]}`, fix: 'check milvus.address (host:port of the gRPC endpoint), milvus.token and milvus.ssl' }];
  } finally {
    closeMilvusClient(client);
  }
}

/**
 * The collection's vectors against the space it names: the model's own (its dimension), or a learned whitening, whose
 * projection a worker must find beside the index to write into it.
 */
async function checkSpace(client: MilvusClient, config: PluginConfig, model: ModelSpec, name: string, dim: number, spaceId: string): Promise<Finding> {
  const check = `collection ${name}`;
  if (spaceId === IDENTITY) {
    return dim === model.dim
      ? { check, ok: true, detail: `${dim}-d vectors, the model's own` }
      : { check, ok: false, detail: `${dim}-d vectors, but model ${model.id} makes ${model.dim}-d ones`, fix: 'a collection of another dimension holds this name: change milvus.collectionPrefix, or drop the collection' };
  }
  try {
    const projection = await within(TIMEOUT_MS, createProjectionStore(client, config.milvus, model).load(spaceId));
    if (projection.dim !== dim) throw new Error(`its projection makes ${projection.dim}-d vectors`);
    return { check, ok: true, detail: `${dim}-d vectors, whitened (${spaceId}, learned from ${projection.fittedOn.images} images)` };
  } catch (error) {
    return { check, ok: false, detail: `${dim}-d vectors in space ${spaceId}: ${errorMessage(error).split('\n')[0]}`, fix: 'rebuild the index (strapi-image-search rebuild): workers cannot write into a space they cannot load' };
  }
}

/** Builds a DISKANN index on a throwaway collection: a few seconds where Milvus can, DISKANN_PROBE_MS where it cannot. */
export async function checkDiskAnn(client: MilvusClient, config: PluginConfig, probeMs = DISKANN_PROBE_MS): Promise<Finding> {
  let support: DiskAnnSupport;
  try {
    support = await within(probeMs + 4 * TIMEOUT_MS, probeDiskAnn(client, { prefix: config.milvus.collectionPrefix, timeoutMs: probeMs }));
  } catch (error) {
    return { check: 'DiskANN', ok: false, detail: `could not test a DISKANN build: ${errorMessage(error).split('\n')[0]}` };
  }
  if (support.supported) return { check: 'DiskANN', ok: true, detail: 'this Milvus builds DISKANN indexes' };
  return { check: 'DiskANN', ok: false, detail: `milvus.index.type is DISKANN, but this Milvus cannot build one: ${support.reason}`, fix: DISKANN_FIX };
}

/** The index type is fixed when a collection is created: a changed milvus.index.type applies from the next rebuild. */
export async function checkIndexType(client: MilvusClient, name: string, config: PluginConfig): Promise<Finding> {
  const described = await within(TIMEOUT_MS, client.describeIndex({ collection_name: name }));
  const built = described.index_descriptions?.[0]?.params.find((param) => param.key === 'index_type')?.value ?? 'no index';
  const wanted = config.milvus.index.type;
  return built === wanted
    ? { check: `index of ${name}`, ok: true, detail: built }
    : {
        check: `index of ${name}`,
        ok: false,
        detail: `built as ${built}, but milvus.index.type is ${wanted}`,
        fix: 'an index type applies to new collections only: run `strapi-image-search rebuild` (or let the one under way finish), or set milvus.index.type back',
      };
}

/** `source` names where the config came from (a file, or the environment) in the findings. */
export async function runDoctor(rawConfig: unknown, source: string): Promise<Finding[]> {
  let config: PluginConfig;
  try {
    config = parseConfig(rawConfig);
  } catch (error) {
    return [{ check: 'config', ok: false, detail: errorMessage(error), fix: `fix ${source}` }];
  }
  const groups = await Promise.all([checkModel(config), checkKafka(config), checkMilvus(config)]);
  return [{ check: 'config', ok: true, detail: `${source} is valid` }, checkCpu(), ...groups.flat()];
}

export const formatFinding = ({ check, ok, detail, fix }: Finding) => `${ok ? 'ok  ' : 'FAIL'}  ${check}: ${detail}${fix ? `\n        fix: ${fix}` : ''}`;
