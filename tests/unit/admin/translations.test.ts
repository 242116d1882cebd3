import fs from 'node:fs';
import path from 'node:path';
import en from '../../../admin/src/translations/en.json';

/** Every message the admin pages ask for exists in en.json, with the same default text. */
describe('admin translations', () => {
  const sources = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const full = path.join(dir, entry.name);
      return entry.isDirectory() ? sources(full) : /\.tsx?$/.test(entry.name) ? [full] : [];
    });
  const used = sources(path.resolve(__dirname, '../../../admin/src')).flatMap((file) => {
    const text = fs.readFileSync(file, 'utf8');
    return [...text.matchAll(/t\(\s*'([a-z.]+)',\s*'((?:[^'\\]|\\.)*)'/g), ...text.matchAll(/id: trad\('([a-z.]+)'\), defaultMessage: '((?:[^'\\]|\\.)*)'/g)].map(
      (match) => [match[1], match[2]] as const
    );
  });

  it('finds the messages', () => expect(used.length).toBeGreaterThan(50));

  it.each(used)('%s', (id, defaultMessage) => {
    expect((en as Record<string, string>)[id]).toBe(defaultMessage);
  });

  it('loads each locale through a literal import, which bundlers resolve inside node_modules too', () => {
    const index = fs.readFileSync(path.resolve(__dirname, '../../../admin/src/index.tsx'), 'utf8');
    const locales = fs.readdirSync(path.resolve(__dirname, '../../../admin/src/translations')).filter((file) => file.endsWith('.json'));
    for (const file of locales) expect(index).toContain(`import('./translations/${file}')`);
    expect(index).not.toMatch(/import\(`/);
  });
});
