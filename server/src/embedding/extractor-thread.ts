import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FeatureExtractor } from './extractor';
import { quietTensorFlow } from './tf-logging';
import type { ModelSpec } from './models';

/**
 * The feature extractor in a worker thread, for Strapi. tfjs-node runs a model synchronously: on Strapi's event loop a
 * batch of 32 images would hold every request for more than a second. Here the model runs beside the loop, and only
 * pixels and vectors cross. The thread is started again, with the model, on the next call after it died.
 */

export type ThreadRequest = { id: number; images: Buffer[] };
export type ThreadReply = { id: number; vectors?: number[][]; error?: string } | { ready: true } | { failed: string };

/** The compiled entry point; it exists in dist/, which is what Strapi loads. */
const ENTRY = path.join(__dirname, 'extractor-thread-main.js');

interface Thread {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, { resolve: (vectors: number[][]) => void; reject: (error: Error) => void }>;
}

export async function startExtractorThread(model: ModelSpec): Promise<FeatureExtractor> {
  let thread: Thread | undefined;
  let nextId = 0;
  let disposed = false;

  function spawn(): Thread {
    quietTensorFlow();
    const worker = new Worker(ENTRY, { workerData: { model } });
    const pending: Thread['pending'] = new Map();
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (reply: ThreadReply) => {
        if ('ready' in reply) return resolve();
        if ('failed' in reply) return reject(new Error(reply.failed));
        const call = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) call?.reject(new Error(reply.error));
        else call?.resolve(reply.vectors!);
      });
      worker.once('exit', (code) => {
        const error = new Error(`the model thread stopped (exit code ${code})`);
        reject(error);
        for (const call of pending.values()) call.reject(error);
        if (thread?.worker === worker) thread = undefined;
      });
    });
    worker.on('error', () => undefined); // 'exit' follows and reports it
    return { worker, ready, pending };
  }

  const running = async (): Promise<Thread> => {
    if (disposed) throw new Error('the feature extractor is disposed');
    const current = (thread ??= spawn());
    await current.ready;
    return current;
  };

  // Fails here, like loadExtractor, when the model cannot load.
  await running();
  return {
    model,
    async extract(images) {
      if (images.length === 0) return [];
      const current = await running();
      const id = nextId++;
      return new Promise<number[][]>((resolve, reject) => {
        current.pending.set(id, { resolve, reject });
        current.worker.postMessage({ id, images: [...images] } satisfies ThreadRequest);
      });
    },
    dispose() {
      disposed = true;
      void thread?.worker.terminate();
      thread = undefined;
    },
  };
}
