import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { ensureDatabase } from './services';
import { strapiEnv } from './strapi';

/** A playground Strapi in its own process (tests/helpers/strapi-instance.js), as one of several instances. */
export interface StrapiProcess {
  readonly url: string;
  readonly token?: string;
  /** Strapi's destroy, as on a rolling restart's SIGTERM; resolves once the process exited. */
  stop(): Promise<void>;
  /** The longest event-loop delay inside Strapi since the last call, in ms: what "blocks the event loop" means. */
  longestLoopDelayMs(): Promise<number>;
  log(): string;
}

/** `admin`: a super admin to create, for the admin routes (log in with the password). */
export async function startStrapiProcess(env: Record<string, string>, { createToken = false, admin }: { createToken?: boolean; admin?: { email: string; password: string } } = {}): Promise<StrapiProcess> {
  await ensureDatabase(env);
  const extra = { ...(createToken ? { TEST_CREATE_TOKEN: '1' } : {}), ...(admin ? { TEST_ADMIN_EMAIL: admin.email, TEST_ADMIN_PASSWORD: admin.password } : {}) };
  const child: ChildProcess = fork(path.join(__dirname, 'strapi-instance.js'), [], {
    env: { ...process.env, ...strapiEnv(env), ...extra },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ port: number; token?: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`Strapi exited during startup (code ${code}):\n${output.slice(-3000)}`)));
  });
  return {
    url: `http://127.0.0.1:${ready.port}`,
    token: ready.token,
    async stop() {
      if (child.exitCode === null) child.send('stop');
      await exited;
    },
    longestLoopDelayMs() {
      return new Promise<number>((resolve) => {
        child.once('message', (answer: { loopDelayMs: number }) => resolve(answer.loopDelayMs));
        child.send('loop-delay');
      });
    },
    log: () => output,
  };
}
