import fs from 'node:fs';
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';

/**
 * CPU profiles of a benchmark's Strapi over a measurement window only (boot and seeding left out), and what they
 * say: the process's CPU per request, split by the part of the stack that spent it, and the top functions.
 */

export interface ProfileWindow {
  profile: Profiler.Profile;
  /** CPU the whole process used in the window (every thread: GC helpers, libuv's pool), in ms; else the main thread's sampled busy time. */
  processCpuMs?: number;
}

/** Starts sampling in this process; the returned function stops it and gives the window's profile. */
export async function startProfiling(): Promise<() => Promise<ProfileWindow>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const cpuAtStart = process.cpuUsage();
  return async () => {
    const cpu = process.cpuUsage(cpuAtStart);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return { profile, processCpuMs: (cpu.user + cpu.system) / 1000 };
  };
}

/** Parts of the request path, told apart by where a sampled function's code lives; the first that matches wins. */
const PARTS: Array<[part: string, matches: (url: string, name: string) => boolean]> = [
  ['idle', (_url, name) => name === '(idle)'],
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  ['plugin', (url) => /\/server\/src\//.test(url) && !url.includes('node_modules')],
  ['Milvus client (gRPC, protobuf)', (url) => /@zilliz|@grpc|protobufjs|@protobufjs/.test(url)],
  ['database (Strapi query layer, knex, driver)', (url) => /@strapi\/database|knex|better-sqlite3|\/pg\/|mysql2/.test(url)],
  ['Strapi middleware and routing (koa)', (url) => /@strapi\/(core|strapi|utils|permissions)|koa|@koa/.test(url)],
  ['Node HTTP and streams', (url) => url.startsWith('node:') || /^internal\//.test(url)],
  ['native and runtime', (url) => url === ''],
  ['other dependencies', () => true],
];

/** A profile Node wrote with --cpu-prof (the whole life of a process). */
export const readProfile = (file: string): ProfileWindow => ({ profile: JSON.parse(fs.readFileSync(file, 'utf8')) as Profiler.Profile });

export interface ProfileSummary {
  /** Requests, or images: what the figures are per. */
  requests: number;
  /** The process's CPU per request. */
  cpuMsPerRequest: number;
  /** The main thread's sampled time per request, by part (idle left out). */
  byPart: Record<string, number>;
  /** The functions with the most self time, per request. */
  top: Array<{ function: string; where: string; msPerRequest: number }>;
}

/** Milliseconds per request, to hundredths. */
export const perRequestMs = (totalMs: number, requests: number) => Math.round((totalMs / requests) * 100) / 100;

export function summarizeProfile({ profile, processCpuMs }: ProfileWindow, requests: number, topCount = 12): ProfileSummary {
  const selfUs = new Map<number, number>();
  for (const [i, id] of (profile.samples ?? []).entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0));
  const byPart = new Map<string, number>();
  const byFunction = new Map<string, { function: string; where: string; us: number }>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const part = PARTS.find(([, matches]) => matches(url, functionName))![0];
    byPart.set(part, (byPart.get(part) ?? 0) + us);
    if (part === 'idle') continue;
    const where = `${url.replace(/^.*node_modules\//, '').replace(/^.*\/dist(-bench)?\//, '')}:${lineNumber + 1}`;
    const key = `${functionName}@${where}`;
    const entry = byFunction.get(key) ?? { function: functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const perRequest = (us: number) => perRequestMs(us / 1000, requests);
  return {
    requests,
    cpuMsPerRequest: perRequest(processCpuMs !== undefined ? processCpuMs * 1000 : [...byPart].filter(([part]) => part !== 'idle').reduce((sum, [, us]) => sum + us, 0)),
    byPart: Object.fromEntries([...byPart].filter(([part]) => part !== 'idle').sort((a, b) => b[1] - a[1]).map(([part, us]) => [part, perRequest(us)])),
    top: [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, topCount).map((entry) => ({ function: entry.function, where: entry.where, msPerRequest: perRequest(entry.us) })),
  };
}
