import fs from 'node:fs';

/** Memory and CPU of a process and all its descendants (Linux /proc). */

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');

function treePids(pid: number): number[] {
  const tasks = fs.existsSync(`/proc/${pid}/task`) ? fs.readdirSync(`/proc/${pid}/task`) : [];
  const children = tasks.flatMap((task) => read(`/proc/${pid}/task/${task}/children`).split(' ').filter(Boolean).map(Number));
  return [pid, ...children.flatMap(treePids)];
}

/** Resident memory, in MB. */
export function treeRssMb(pid: number): number {
  return treePids(pid).reduce((kb, each) => kb + Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${each}/status`))?.[1] ?? 0), 0) / 1024;
}

/** CPU time used so far (user and system, every thread), in ms. */
export function treeCpuMs(pid: number): number {
  // utime and stime are the 14th and 15th fields, in clock ticks (100 a second on Linux), after the command's ")".
  return treePids(pid).reduce((ms, each) => {
    const fields = read(`/proc/${each}/stat`).split(') ')[1]?.split(' ') ?? [];
    return ms + (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
  }, 0);
}
