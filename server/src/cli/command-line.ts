import { parseArgs, type ParseArgsConfig } from 'node:util';

/** The grammar of `strapi-image-search <command>`: each command's usage and options, and the parse of argv. */

type Options = NonNullable<ParseArgsConfig['options']>;

export type CommandName = 'worker' | 'embed' | 'find-duplicates' | 'redrive' | 'events' | 'reconcile' | 'rebuild' | 'scan-duplicates' | 'sizing' | 'doctor' | 'services';

interface CommandSpec {
  /** The options line(s) after the command's name. */
  synopsis: string;
  description: string;
  options: Options;
  /** How many FILES the command takes after its options, or the one action it takes (returned as the only file). */
  files: { min: number } | { action: readonly string[] } | 'none';
}

const CONFIG: Options = { config: { type: 'string', short: 'c' } };
const LOCAL_MODEL: Options = { ...CONFIG, model: { type: 'string' }, weights: { type: 'string' }, 'no-trim': { type: 'boolean' } };
const URL_OPTION: Options = { url: { type: 'string' } };

const COMMANDS: Record<CommandName, CommandSpec> = {
  worker: {
    synopsis: '[--config FILE]',
    description: `Run a standalone index worker. FILE (.json, or .js exporting it) holds the plugin config;
it defaults to $IMAGE_SEARCH_CONFIG, and without either the config comes from environment
variables (KAFKA_BROKERS, MILVUS_ADDRESS, ...; README, "Running the worker on its own").
redrive and doctor read their config the same way.`,
    options: CONFIG,
    files: 'none',
  },
  embed: {
    synopsis: '[--config FILE | --model ID [--weights PATH]] [--no-trim] [--batch-size N] FILES...',
    description: `Print one JSON line per file, {"file", "vector"} or {"file", "error"}, computed exactly as the worker
does. The model and preprocessing come from FILE, or --model (default resnet50). Exits 1 when a file
got no vector.`,
    options: { ...LOCAL_MODEL, 'batch-size': { type: 'string' } },
    files: { min: 1 },
  },
  'find-duplicates': {
    synopsis: '[--config FILE | --model ID] [--threshold T] [--json] [--no-trim] FILES...',
    description: `Find the duplicates among image files, as the duplicates review would: one line per pair at the duplicate
threshold (T, else the config's search.duplicateThreshold, 0.70), most similar first, then one line per
group with the keeper the keeper rules suggest and why. --json prints JSON lines only:
{"a","b","similarity"}, then {"group","keeper","reason"}. Paths are printed as given; progress goes
to stderr. Exits 1 when a file could not be read.`,
    options: { ...LOCAL_MODEL, threshold: { type: 'string' }, json: { type: 'boolean' } },
    files: { min: 2 },
  },
  redrive: {
    synopsis: '[--config FILE]',
    description: `Send the dead letters (media events the workers could never apply) back to the media topic, once the
cause is fixed. Each is re-driven once; its attempt count travels with it.`,
    options: CONFIG,
    files: 'none',
  },
  events: {
    synopsis: `[--config FILE] [--topic media|index|dead-letters|all] [--type TYPE] [--file ID]
       [--from-beginning] [--limit N] [--exit-at-end]
       | [--config FILE] --group ID [--topic ...]`,
    description: `Print the plugin's events as a consumer reads them, one JSON line per message on stdout:
{"topic","partition","offset","key","event"}, the event validated (and upcast) by the public contract, or
{"topic","partition","offset","key","error","value"} for a message that is no valid event (shown, then
skipped). Dead letters add "deadLetter": {"error","attempts","failedAt","source"}. --topic (default all),
--type (a type, or a pattern with *, e.g. image-search.media.*) and --file (a file id) may be repeated or
given as comma lists; --type and --file keep matching events only (malformed messages are kept unless
--file rules out their key). It reads new messages (with --from-beginning, all those retained) under a
throwaway consumer group and commits nothing. It stops on Ctrl-C, after N lines with --limit, or with
--exit-at-end at the topics' ends as they were when it started. --group ID prints instead that group's
lag, {"group","topic","partition","committed","end","lag"} per partition of the topics it committed on
(or of --topic), and exits.`,
    options: {
      ...CONFIG,
      topic: { type: 'string', multiple: true },
      type: { type: 'string', multiple: true },
      file: { type: 'string', multiple: true },
      'from-beginning': { type: 'boolean' },
      limit: { type: 'string' },
      'exit-at-end': { type: 'boolean' },
      group: { type: 'string' },
    },
    files: 'none',
  },
  reconcile: {
    synopsis: '--url URL [--model ID]',
    description: `Ask the Strapi at URL to compare its files with the index and repair the drift: missing vectors are
queued, misplaced ones moved, orphans deleted. --model checks another model's index instead, e.g. one
the workers of a new model are filling. Logs in with $STRAPI_ADMIN_EMAIL and $STRAPI_ADMIN_PASSWORD
(an admin allowed to manage the index); prints the report as JSON.`,
    options: { ...URL_OPTION, model: { type: 'string' } },
    files: 'none',
  },
  rebuild: {
    synopsis: '--url URL',
    description: `Rebuild the index with no downtime: a new collection is filled while searches use the old one, then
replaces it in one step. Shows progress until the Strapi at URL completed it; run it again to resume.
Same credentials as reconcile.`,
    options: URL_OPTION,
    files: 'none',
  },
  'scan-duplicates': {
    synopsis: '--url URL',
    description: `Rebuild the duplicate graph the duplicates page reads: every indexed image's duplicates, found again by
the current decision. Strapi runs it by itself after a first install or a model or threshold change;
this starts a new one and shows progress until it completes. Same credentials as reconcile.`,
    options: URL_OPTION,
    files: 'none',
  },
  sizing: {
    synopsis: `--images N [--model resnet50|vgg16 | --dim D] [--index FLAT|IVF_FLAT|IVF_SQ8|HNSW|DISKANN]
       [--content-types-per-image 1] [--events-per-day N] [--retention-days 7] [--replication 1]
       [--rate 15] [--workers 1] [--json]`,
    description: `Estimate Milvus memory and storage, Kafka storage and full-reindex time for a library of N images
(README, "Capacity planning"). The index defaults to the type the plugin picks for N images, and the dimension to
the index's: the learned whitening's 512 (--dim 2048 for an index kept in ResNet50's own space).`,
    options: Object.fromEntries(
      ['images', 'model', 'dim', 'index', 'content-types-per-image', 'events-per-day', 'retention-days', 'replication', 'rate', 'workers']
        .map((name): [string, Options[string]] => [name, { type: 'string' }])
        .concat([['json', { type: 'boolean' }]])
    ),
    files: 'none',
  },
  doctor: {
    synopsis: '[--config FILE]',
    description: `Check the CPU (AVX2), the model files and TensorFlow, and Kafka and Milvus (reachable, versions,
topics, collection) as FILE configures them; print what is wrong and how to fix it. Exits 1 on a failure.`,
    options: CONFIG,
    files: 'none',
  },
  services: {
    synopsis: 'start [--fresh] | stop | status',
    description: `Run Kafka and Milvus on this machine for development, provisioned from Maven Central and PyPI (no
Docker; needs Java 17+, Maven and Python 3 with venv) into ~/.cache/strapi-image-search/services
($IMAGE_SEARCH_CACHE moves it). Ports: $KAFKA_PORT (9092), $MILVUS_PORT (19530). --fresh starts them
with empty data. For production, see the README, "Scaling out".`,
    options: { fresh: { type: 'boolean' } },
    files: { action: ['start', 'stop', 'status'] },
  },
};

export type OptionValues = Partial<Record<string, string | boolean>>;

export type CommandLine = { help: string } | { command: CommandName; values: OptionValues; files: string[] };

/** A command line the CLI cannot run: exit code 2, as common CLIs do, with a one-line reason. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    /** The command whose usage explains it, if known. */
    readonly command?: CommandName
  ) {
    super(command ? `${command}: ${message}` : message);
  }

  /** Where to read what is allowed. */
  get hint(): string {
    return `see "${BIN}${this.command ? ` ${this.command}` : ''} --help"`;
  }
}

const BIN = 'strapi-image-search';
const indent = (text: string, by: string) => text.replace(/^/gm, by);
const isCommand = (name: string): name is CommandName => Object.hasOwn(COMMANDS, name);

export function commandUsage(name: CommandName): string {
  const { synopsis, description } = COMMANDS[name];
  return `usage: ${BIN} ${name} ${synopsis}\n\n${description}`;
}

export const GLOBAL_USAGE = `usage: ${BIN} <command> [options]   (${BIN} <command> --help for one command)

commands:
${(Object.keys(COMMANDS) as CommandName[]).map((name) => `  ${name} ${COMMANDS[name].synopsis}\n${indent(COMMANDS[name].description, '      ')}`).join('\n\n')}`;

/** Node's parse errors quote the culprit ('--foo'); say it in one line that names the command. */
function usageError(error: unknown, command: CommandName): UsageError {
  const { code, message } = error as { code?: string; message: string };
  const culprit = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${culprit}`, command);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`takes no files, not "${culprit}"`, command);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = culprit?.split(' ')[0];
    if (message.includes('does not take an argument')) return new UsageError(`${option} takes no value`, command);
    if (message.includes('ambiguous')) return new UsageError(`${option} needs a value; for one that starts with a dash, write ${option}=-…`, command);
    return new UsageError(`${option} needs a value`, command);
  }
  return new UsageError(message, command);
}

export function parseCommandLine(argv: readonly string[]): CommandLine {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { help: GLOBAL_USAGE };
  if (!isCommand(name)) throw new UsageError(name.startsWith('-') ? `unknown option ${name}` : `unknown command "${name}"`);
  const spec = COMMANDS[name];
  let parsed: { values: Partial<Record<string, string | boolean | string[]>>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: [...rest],
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.files !== 'none',
      strict: true,
    });
  } catch (error) {
    throw usageError(error, name);
  }
  const { help, ...given } = parsed.values;
  // A repeatable option (`multiple`) reads as one comma list: `--type a --type b` is `--type a,b`.
  const values: OptionValues = Object.fromEntries(Object.entries(given).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]));
  if (help) return { help: commandUsage(name) };
  if (spec.files !== 'none' && 'action' in spec.files) {
    const [action, ...extra] = parsed.positionals;
    const actions = spec.files.action.join(', ');
    if (action === undefined) throw new UsageError(`needs an action: ${actions}`, name);
    if (!spec.files.action.includes(action)) throw new UsageError(`unknown action "${action}" (one of ${actions})`, name);
    if (extra.length > 0) throw new UsageError(`takes one action, not also "${extra[0]}"`, name);
  } else if (spec.files !== 'none' && parsed.positionals.length < spec.files.min) {
    throw new UsageError(`needs at least ${spec.files.min === 1 ? 'one file' : `${spec.files.min} files`}`, name);
  }
  return { command: name, values, files: parsed.positionals };
}
