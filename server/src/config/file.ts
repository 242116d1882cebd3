import fs from 'node:fs';
import path from 'node:path';

/** Reads a plugin config object from a .json file, or a .js file exporting it, for the command line. */
export function readConfigFile(file: string): unknown {
  const absolute = path.resolve(file);
  if (!fs.existsSync(absolute)) throw new Error(`config file not found: ${absolute}`);
  if (absolute.endsWith('.json')) return JSON.parse(fs.readFileSync(absolute, 'utf8'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(absolute);
  return loaded?.default ?? loaded;
}
