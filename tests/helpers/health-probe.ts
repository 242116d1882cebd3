import { spawn } from 'node:child_process';

/**
 * The probe: one warm-up request (Node loads its HTTP client on the first fetch), a line saying it is ready, then a
 * poll every 20 ms until its stdin closes; then the slowest answer, the count, the failures and its own longest
 * event-loop delay as JSON.
 */
const PROBE = `
const ownLoopDelay = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
let done = false;
process.stdin.on('end', () => (done = true)).resume();
(async () => {
  await fetch(process.argv[1]).catch(() => null);
  process.stdout.write('ready\\n');
  ownLoopDelay.enable();
  let slowestMs = 0, checks = 0, failures = 0;
  while (!done) {
    const started = performance.now();
    const res = await fetch(process.argv[1]).catch(() => null);
    slowestMs = Math.max(slowestMs, performance.now() - started);
    checks++;
    if (!res || res.status !== 204) failures++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  process.stdout.write(JSON.stringify({ slowestMs, checks, failures, machineStallMs: ownLoopDelay.max / 1e6 }));
})();
`;

export interface HealthFigures {
  slowestMs: number;
  checks: number;
  /** Answers other than 204, and requests that failed. */
  failures: number;
  /**
   * The probe's own longest event-loop delay. Its loop is idle but for the polls, so a delay there is the machine's
   * (a shared VM paused, memory reclaimed), which every process on it saw.
   */
  machineStallMs: number;
}

/**
 * Polls a health URL from a small process of its own, so what is measured is the server's responsiveness: pauses
 * of the test process itself (Jest's garbage collection, building upload bodies) never count.
 */
export async function startHealthProbe(url: string): Promise<{ stop(): Promise<HealthFigures> }> {
  const child = spawn(process.execPath, ['-e', PROBE, url], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the health probe exited with ${code}`))));
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.startsWith('ready\n')) resolve();
    });
    exited.then(() => reject(new Error('the health probe ended before it was ready')), reject);
  });
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return JSON.parse(output.slice('ready\n'.length)) as HealthFigures;
    },
  };
}
