import fs from 'node:fs';

/** Resident memory of a process and all its descendants, in MB (Linux /proc). */
export function treeRssMb(pid: number): number {
  const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  let kb = Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0);
  const tasks = fs.existsSync(`/proc/${pid}/task`) ? fs.readdirSync(`/proc/${pid}/task`) : [];
  for (const task of tasks) {
    for (const child of read(`/proc/${pid}/task/${task}/children`).split(' ').filter(Boolean)) kb += treeRssMb(Number(child)) * 1024;
  }
  return kb / 1024;
}
