import { commandUsage, GLOBAL_USAGE, parseCommandLine, UsageError } from '../../../server/src/cli/command-line';

const refusal = (argv: string[]) => {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return `${error.message} (${error.hint})`;
    throw error;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
};

describe('the command line', () => {
  it('prints the global usage without a command, and one command’s own usage with its --help', () => {
    expect(parseCommandLine([])).toEqual({ help: GLOBAL_USAGE });
    expect(parseCommandLine(['--help'])).toEqual({ help: GLOBAL_USAGE });
    expect(parseCommandLine(['embed', '--help'])).toEqual({ help: commandUsage('embed') });
    expect(parseCommandLine(['sizing', '-h', '--images', '10'])).toEqual({ help: commandUsage('sizing') });
    expect(commandUsage('sizing')).toMatch(/^usage: strapi-image-search sizing --images N/);
    expect(GLOBAL_USAGE).toContain(commandUsage('doctor').split('\n\n')[1].split('\n')[0]);
  });

  it('parses each command’s own options and files', () => {
    expect(parseCommandLine(['find-duplicates', '--threshold', '0.8', '--json', 'a.jpg', 'b.jpg'])).toEqual({
      command: 'find-duplicates',
      values: { threshold: '0.8', json: true },
      files: ['a.jpg', 'b.jpg'],
    });
    expect(parseCommandLine(['worker', '-c', 'worker.json'])).toEqual({ command: 'worker', values: { config: 'worker.json' }, files: [] });
    expect(parseCommandLine(['services', 'start', '--fresh'])).toEqual({ command: 'services', values: { fresh: true }, files: ['start'] });
  });

  it.each([
    [['nope'], 'unknown command "nope" (see "strapi-image-search --help")'],
    [['nope', '--help'], 'unknown command "nope" (see "strapi-image-search --help")'],
    [['--bogus'], 'unknown option --bogus (see "strapi-image-search --help")'],
    [['embed', '--bogus', 'a.jpg'], 'embed: unknown option --bogus (see "strapi-image-search embed --help")'],
    // An option of another command is not one of this command's.
    [['worker', '--url', 'http://cms'], 'worker: unknown option --url (see "strapi-image-search worker --help")'],
    [['worker', 'extra'], 'worker: takes no files, not "extra" (see "strapi-image-search worker --help")'],
    [['sizing', '--images'], 'sizing: --images needs a value (see "strapi-image-search sizing --help")'],
    [['sizing', '--json=yes'], 'sizing: --json takes no value (see "strapi-image-search sizing --help")'],
    [['find-duplicates', 'a.jpg'], 'find-duplicates: needs at least 2 files (see "strapi-image-search find-duplicates --help")'],
    [['embed'], 'embed: needs at least one file (see "strapi-image-search embed --help")'],
    [['services'], 'services: needs an action: start, stop, status (see "strapi-image-search services --help")'],
    [['services', 'restart'], 'services: unknown action "restart" (one of start, stop, status) (see "strapi-image-search services --help")'],
    [['services', 'stop', 'now'], 'services: takes one action, not also "now" (see "strapi-image-search services --help")'],
  ])('refuses %j in one line that names the culprit', (argv, message) => {
    expect(refusal(argv)).toBe(message);
  });
});
