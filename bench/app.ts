import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Starts the playground Strapi (app-server.ts) in a child process with this environment, logging to `logFile`. */

export interface BenchApp {
  url: string;
  /** A full-access API token for the content API. */
  token: string;
  /** A super admin's JWT, for the admin routes. */
  adminJwt: string;
  /** Pairs seeded into the duplicate graph (BENCH_DUPLICATE_SHARE). */
  pairs: number;
  stop(): Promise<void>;
}

const BOOT_TIMEOUT_MS = 180_000;

export function startApp(env: Record<string, string>, logFile: string): Promise<BenchApp> {
  const log = fs.openSync(logFile, 'a');
  const child = fork(path.join(__dirname, 'app-server.js'), [], { env: { ...process.env, ...env }, stdio: ['ignore', log, log, 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the benchmark Strapi did not start in time')), BOOT_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`the benchmark Strapi exited with ${code} while starting; see ${logFile}`)));
    child.once('message', (message: { port: number; token: string; adminJwt: string; pairs: number }) => {
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${message.port}`,
        token: message.token,
        adminJwt: message.adminJwt,
        pairs: message.pairs,
        async stop() {
          child.disconnect();
          await exited;
        },
      });
    });
  });
}
