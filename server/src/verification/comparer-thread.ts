import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Comparer, ImageRef } from './comparer';
import type { Verification } from './verify-pair';

/**
 * The comparer in a worker thread, for Strapi and the worker. Loading OpenCV compiles about 10 MB of WebAssembly
 * at once, and each pair is tens of milliseconds of keypoint work: beside the event loop, never on it. The thread
 * starts on the first pair, and again on the next after it died or was closed.
 */

export type ComparerRequest = { id: number; a: ImageRef; b: ImageRef };
export type ComparerReply = { id: number; verification?: Verification; error?: string };

/** The compiled entry point; it exists in dist/, which is what Strapi and the worker load. */
const ENTRY = path.join(__dirname, 'comparer-thread-main.js');

export interface ComparerOptions {
  /** Where files' local features are kept between processes (the site's verification cache); none: in memory only. */
  featuresDir?: string;
}

export type ComparerThread = Comparer & {
  /** Stops the thread; a later pair starts it again. */
  close(): Promise<void>;
};

export function startComparerThread(options: ComparerOptions = {}): ComparerThread {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve: (verification: Verification) => void; reject: (error: Error) => void }>();

  function spawn(): Worker {
    const thread = new Worker(ENTRY, { workerData: options });
    thread.unref();
    thread.on('message', ({ id, verification, error }: ComparerReply) => {
      const call = pending.get(id);
      pending.delete(id);
      if (error !== undefined) call?.reject(new Error(error));
      else call?.resolve(verification!);
    });
    thread.on('error', () => undefined); // 'exit' follows and reports it
    thread.once('exit', (code) => {
      if (worker === thread) worker = undefined;
      for (const call of pending.values()) call.reject(new Error(`the verification thread stopped (exit code ${code})`));
      pending.clear();
    });
    return thread;
  }

  const compare: Comparer = (a, b) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      (worker ??= spawn()).postMessage({ id, a, b } satisfies ComparerRequest);
    });
  return Object.assign(compare, {
    async close() {
      const thread = worker;
      worker = undefined;
      await thread?.terminate();
    },
  });
}
