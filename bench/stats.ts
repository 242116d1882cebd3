import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../server/src/utils/paths';
import { median } from '../tests/helpers/services';

/** Small helpers shared by the benchmarks: timing, medians, a plain table, and where results go. */

/** Plots and the logs of the apps the benchmarks start. */
export const RESULTS_DIR = path.join(PACKAGE_ROOT, 'bench', 'results');
fs.mkdirSync(RESULTS_DIR, { recursive: true });

/** A benchmark's figures, as bench/results/<name>.json, so that a regression can be tracked from run to run. */
export function writeResults(name: string, result: object): void {
  fs.writeFileSync(path.join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
}

/** Runs `task` `rounds` times after one warm-up; returns the median rate in items per second. */
export async function medianRate(rounds: number, items: number, task: () => Promise<unknown>): Promise<number> {
  await task();
  const rates: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = process.hrtime.bigint();
    await task();
    rates.push(items / (Number(process.hrtime.bigint() - started) / 1e9));
  }
  return median(rates);
}

export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const text = (value: string | number) => (typeof value === 'number' ? value.toFixed(value >= 100 ? 0 : 2) : value);
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => text(row[column]).length)));
  const line = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}`);
  for (const row of rows) console.log(line(columns.map((column) => text(row[column]))));
}

/** The nearest-rank percentile (0-100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
