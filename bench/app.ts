import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ProfileWindow } from './cpu-profile';

/** Starts the playground Strapi (app-server.ts) in a child process with this environment, logging to `logFile`. */

export interface BenchApp {
  url: string;
  /** A full-access API token for the content API. */
  token: string;
  /** A super admin's JWT, for the admin routes. */
  adminJwt: string;
  /** Pairs seeded into the duplicate graph (BENCH_DUPLICATE_SHARE). */
  pairs: number;
  /** Runs `task` with the app's CPU profiled, and gives its result with the window's profile. */
  profiled<T>(task: () => Promise<T>): Promise<{ result: T; window: ProfileWindow }>;
  stop(): Promise<void>;
}

const BOOT_TIMEOUT_MS = 180_000;

/** The child's next message that carries `key`, and its value. */
function reply<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const listen = (message: Record<string, unknown>) => {
      if (!(key in message)) return;
      child.off('message', listen);
      resolve(message[key] as T);
    };
    child.on('message', listen);
  });
}

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
        async profiled(task) {
          child.send('profile-start');
          await reply(child, 'profiling');
          const result = await task();
          child.send('profile-stop');
          return { result, window: (await reply<ProfileWindow>(child, 'profiled'))! };
        },
        async stop() {
          child.disconnect();
          await exited;
        },
      });
    });
  });
}
