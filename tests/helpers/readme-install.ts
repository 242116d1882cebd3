import fs from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../server/src/utils/paths';

/**
 * The README's "Installation into an existing Strapi app", as a new user reads it: the shell commands of its
 * bash blocks, in order, and the plugin entry its TypeScript block adds to `config/plugins.ts`. The fresh-install
 * test runs exactly these, so the README and the test cannot drift apart.
 */
export const INSTALL_SECTION = '## Installation into an existing Strapi app';

export function readmeInstallSteps(readme = fs.readFileSync(path.join(PACKAGE_ROOT, 'README.md'), 'utf8')): { commands: string[]; pluginsEntry: string } {
  const start = readme.indexOf(INSTALL_SECTION);
  if (start === -1) throw new Error(`the README has no "${INSTALL_SECTION}" section`);
  const end = readme.indexOf('\n## ', start + INSTALL_SECTION.length);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/^ *```(\w+)\n([\s\S]*?)^ *```$/gm)].map(([, language, body]) => ({ language, body }));
  const commands = blocks
    .filter((block) => block.language === 'bash')
    .flatMap((block) => block.body.split('\n'))
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const entry = blocks.find((block) => block.language === 'ts');
  if (commands.length === 0 || !entry) throw new Error('the README install section lost its bash or ts block');
  return { commands, pluginsEntry: entry.body };
}

/** A create-strapi app's config/plugins.ts with the entry added first in the object its config function returns. */
export function withPluginsEntry(pluginsTs: string, entry: string): string {
  const opening = /=>\s*\(\{\n/.exec(pluginsTs);
  if (!opening) throw new Error('config/plugins.ts does not return an object literal: the README step needs rewording');
  const at = opening.index + opening[0].length;
  return `${pluginsTs.slice(0, at)}${entry}${pluginsTs.slice(at)}`;
}
