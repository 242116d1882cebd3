import { readmeInstallSteps, withPluginsEntry } from '../../helpers/readme-install';

describe("the README's install steps", () => {
  it('are shell commands a script can run, and a plugins entry it can insert', () => {
    const { commands, pluginsEntry } = readmeInstallSteps();
    expect(commands[0]).toMatch(/^npm install strapi-plugin-image-search /);
    expect(commands).toEqual(expect.arrayContaining([expect.stringMatching(/setup-tfjs\.sh$/), expect.stringMatching(/fetch-model\.sh$/)]));
    expect(pluginsEntry).toMatch(/^ *'image-search': \{/);
  });

  it('insert the entry into the object a new TypeScript app configures', () => {
    const scaffold = "const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({\n  upload: {},\n});\n";
    expect(withPluginsEntry(scaffold, "  'image-search': {},\n")).toBe(
      "const config = ({ env }: Core.Config.Shared.ConfigParams): Core.Config.Plugin => ({\n  'image-search': {},\n  upload: {},\n});\n"
    );
  });
});
