import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { FeatureExtractor } from './extractor';
import type { ModelSpec } from './models';
import { isTensorFlowBootNoise, QUIET_LOG_LEVEL } from './tf-logging';
import type { FitInput, FitOutput } from '../whitening/fit';

/**
 * The feature extractor in a child process, for Strapi. tfjs-node runs a model synchronously: on Strapi's event loop
 * a batch of 32 images would hold every request for more than a second. Here the model runs beside the loop, and only
 * pixels and vectors cross. A process rather than a thread: TensorFlow aborting (out of memory, a native fault) takes
 * only the model down, and the model's stderr can be read (forwardStderr). It is started again, with the model, on
 * the next call after it died.
 */

export type ModelRequest = { id: number; images: Uint8Array[] } | { id: number; fit: FitInput };
export type ModelReply = { id: number; result?: number[][] | FitOutput; error?: string } | { ready: true } | { failed: string };

/** The compiled entry point; it exists in dist/, which is what Strapi loads. */
const ENTRY = path.join(__dirname, 'extractor-process-main.js');

/** The model's stderr, without TensorFlow's lines at load (see tf-logging.ts). */
function forwardStderr(child: ChildProcess, minLogLevel: string): void {
  const lines = readline.createInterface({ input: child.stderr!, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (!isTensorFlowBootNoise(line, minLogLevel)) process.stderr.write(`${line}\n`);
  });
}

interface Running {
  child: ChildProcess;
  ready: Promise<void>;
  pending: Map<number, { resolve: (result: never) => void; reject: (error: Error) => void }>;
}

export async function startExtractorProcess(model: ModelSpec): Promise<FeatureExtractor> {
  let running: Running | undefined;
  let nextId = 0;
  let disposed = false;

  function spawn(): Running {
    const minLogLevel = process.env.TF_CPP_MIN_LOG_LEVEL ?? QUIET_LOG_LEVEL;
    const child = fork(ENTRY, [JSON.stringify(model)], {
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: minLogLevel },
      // Strapi's own flags (a debugger, a test runner's loaders) are not the model's.
      execArgv: [],
    });
    forwardStderr(child, minLogLevel);
    const pending: Running['pending'] = new Map();
    const ready = new Promise<void>((resolve, reject) => {
      child.on('message', (reply: ModelReply) => {
        if ('ready' in reply) return resolve();
        if ('failed' in reply) return reject(new Error(reply.failed));
        const call = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) call?.reject(new Error(reply.error));
        else call?.resolve(reply.result as never);
      });
      child.once('exit', (code, signal) => {
        const error = new Error(`the model process stopped (${signal ?? `exit code ${code}`})`);
        reject(error);
        for (const call of pending.values()) call.reject(error);
        if (running?.child === child) running = undefined;
      });
    });
    child.on('error', () => undefined); // 'exit' follows and reports it
    return { child, ready, pending };
  }

  const current = async (): Promise<Running> => {
    if (disposed) throw new Error('the feature extractor is disposed');
    const started = (running ??= spawn());
    await started.ready;
    return started;
  };

  /** Sends a request; its answer comes back by its id. */
  async function call<T>(request: Omit<ModelRequest, 'id'>): Promise<T> {
    const { child, pending } = await current();
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (result: never) => void, reject });
      child.send({ id, ...request } as ModelRequest, (error) => {
        if (!error) return;
        pending.delete(id);
        reject(error);
      });
    });
  }

  // Fails here, like loadExtractor, when the model cannot load.
  await current();
  return {
    model,
    extract: async (images) => (images.length === 0 ? [] : call<number[][]>({ images: [...images] })),
    fitWhitening: (input) => call<FitOutput>({ fit: input }),
    dispose() {
      disposed = true;
      running?.child.kill();
      running = undefined;
    },
  };
}
