#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { errorMessage } from './errors';
import { runWorker } from './worker';

/** The plugin's command line: `strapi-image-search <command>`. */

const USAGE = `usage: strapi-image-search <command>

commands:
  worker [--config FILE]   run a standalone index worker (FILE: .json or .js holding the plugin config;
                           defaults to $IMAGE_SEARCH_CONFIG)`;

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command] = positionals;
  if (values.help || !command) return void console.log(USAGE);
  switch (command) {
    case 'worker': {
      const configFile = values.config ?? process.env.IMAGE_SEARCH_CONFIG;
      if (!configFile) throw new Error(`worker needs --config FILE or IMAGE_SEARCH_CONFIG\n\n${USAGE}`);
      return runWorker(configFile);
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error) => {
  console.error(`strapi-image-search: ${errorMessage(error)}`);
  process.exit(1);
});
