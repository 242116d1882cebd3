import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PLAYGROUND_DIR } from './strapi';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';

/** The standalone worker as operators run it: the compiled `strapi-image-search worker` bin, in its own process. */

/** The compiled `strapi-image-search` bin; `npm test` builds it. */
export const CLI = path.join(PACKAGE_ROOT, 'dist/server/src/cli/main.js');

/** The worker's config file for a test app's env (see appEnv): same topics, collection and group as the app. */
export function writeWorkerConfig(env: Record<string, string>, file: string): string {
  const config = {
    kafka: { brokers: env.KAFKA_BROKERS.split(','), topic: env.IMAGE_SEARCH_TOPIC, indexTopic: env.IMAGE_SEARCH_INDEX_TOPIC, deadLetterTopic: env.IMAGE_SEARCH_DEAD_LETTER_TOPIC },
    milvus: { address: env.MILVUS_ADDRESS, collectionPrefix: env.IMAGE_SEARCH_COLLECTION_PREFIX },
    worker: { groupId: env.IMAGE_SEARCH_GROUP_ID, publicDir: path.join(PLAYGROUND_DIR, 'public') },
  };
  fs.writeFileSync(file, JSON.stringify(config));
  return file;
}

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  log(): string;
  /** Sends the signal and resolves with the exit code once it exited. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

/** With a config file, or with none: then the worker reads its config from `env` (README). `nodeArgs` go to Node. */
export function startWorkerProcess(config: string | { env: Record<string, string> }, nodeArgs: string[] = []): WorkerProcess {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` (npm test does)`);
  const [args, env] = typeof config === 'string' ? [['--config', config], process.env] : [[], config.env];
  const child = spawn(process.execPath, [...nodeArgs, CLI, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    log: () => output,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The events a worker's log says it applied, in order, with when (epoch ms). */
export function appliedIn(log: string): { fileId: number; at: number }[] {
  return [...log.matchAll(/^(\S+) info image-search\.media\.[a-z-]+\.v\d+ file (\d+): \w+/gm)].map(([, at, fileId]) => ({ fileId: Number(fileId), at: Date.parse(at) }));
}
