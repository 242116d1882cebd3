#!/usr/bin/env node
import { configFromEnv } from '../config/env';
import { readConfigFile } from '../config/file';
import { parseCommandLine, UsageError, type CommandName, type OptionValues } from './command-line';
import { formatFinding, runDoctor } from './doctor';
import { runEmbed } from './embed';
import { parseEventsOptions, runEvents } from './events';
import { runFindDuplicates } from './find-duplicates';
import { errorMessage } from '../errors/pipeline-errors';
import { progressBar, runDuplicateScan, runRebuild, runReconcile } from './maintenance-client';
import { runRedrive } from './redrive';
import { runServices } from './services';
import { runSizing } from './sizing-command';
import { runWorker } from './worker';

/** The plugin's command line: `strapi-image-search <command>`; its grammar is in command-line.ts. */

/** The plugin config: from --config FILE or $IMAGE_SEARCH_CONFIG, else from environment variables (README). */
function loadConfig(file = process.env.IMAGE_SEARCH_CONFIG): { raw: unknown; source: string } {
  if (file) return { raw: readConfigFile(file), source: file };
  const raw = configFromEnv(process.env);
  if (Object.keys(raw).length === 0)
    throw new Error(`no config: give --config FILE, set IMAGE_SEARCH_CONFIG, or set KAFKA_BROKERS, MILVUS_ADDRESS and the rest (README)`);
  return { raw, source: 'the environment variables' };
}

/** A redrawn bar on a terminal, a line per poll otherwise (logs, CI). */
const showProgress = (done: number, total: number, what?: string) =>
  process.stderr.write(process.stderr.isTTY ? `\r${progressBar(done, total, what)}` : `${progressBar(done, total, what)}\n`);

const adminCredentials = () => ({ email: process.env.STRAPI_ADMIN_EMAIL, password: process.env.STRAPI_ADMIN_PASSWORD });

const needUrl = (command: CommandName, values: OptionValues): string => {
  if (typeof values.url !== 'string') throw new UsageError('needs --url URL', command);
  return values.url;
};
const optionalString = (value: string | boolean | undefined) => (typeof value === 'string' ? value : undefined);

/** What each command does; `Record<CommandName, …>` keeps this in step with the grammar. */
const HANDLERS: Record<CommandName, (values: OptionValues, files: string[]) => Promise<number>> = {
  async worker(values) {
    await runWorker(loadConfig(optionalString(values.config)).raw);
    return 0;
  },
  async redrive(values) {
    await runRedrive(loadConfig(optionalString(values.config)).raw, (line) => console.log(line));
    return 0;
  },
  async events(values) {
    const options = parseEventsOptions(values);
    await runEvents(loadConfig(optionalString(values.config)).raw, options, process.stdout);
    return 0;
  },
  async reconcile(values) {
    console.log(JSON.stringify(await runReconcile(needUrl('reconcile', values), adminCredentials(), optionalString(values.model))));
    return 0;
  },
  async rebuild(values) {
    const { queued, learning, space } = await runRebuild(needUrl('rebuild', values), adminCredentials(), (done, total, learned) =>
      showProgress(done, total, learned ? 'images learned from' : 'images')
    );
    const how = learning ? `it learned its whitening first, and is in space ${space}` : `${queued} images queued when it started`;
    console.log(`${process.stderr.isTTY ? '\n' : ''}rebuild complete (${how})`);
    return 0;
  },
  async 'scan-duplicates'(values) {
    const { total } = await runDuplicateScan(needUrl('scan-duplicates', values), adminCredentials(), (done, all) => showProgress(done, all));
    console.log(`${process.stderr.isTTY ? '\n' : ''}duplicate scan complete (${total} images)`);
    return 0;
  },
  async doctor(values) {
    const { raw, source } = loadConfig(optionalString(values.config));
    const findings = await runDoctor(raw, source);
    findings.forEach((finding) => console.log(formatFinding(finding)));
    return findings.every((finding) => finding.ok) ? 0 : 1;
  },
  services: (values, [action]) => runServices(action, !!values.fresh),
  async sizing(values) {
    console.log(runSizing(values));
    return 0;
  },
  async 'find-duplicates'(values, files) {
    const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
    if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new UsageError('--threshold must be a number from 0 to 1', 'find-duplicates');
    const options = { ...localModel(values), threshold, json: !!values.json };
    const failures = await runFindDuplicates(
      files,
      options,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`)
    );
    return failures > 0 ? 1 : 0;
  },
  async embed(values, files) {
    const batchSize = Number(values['batch-size'] ?? 8);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 64) throw new UsageError('--batch-size must be an integer from 1 to 64', 'embed');
    const failures = await runEmbed(files, { ...localModel(values), batchSize }, (line) => process.stdout.write(`${line}\n`));
    return failures > 0 ? 1 : 0;
  },
};

const localModel = (values: OptionValues) => ({
  config: optionalString(values.config),
  model: optionalString(values.model),
  weights: optionalString(values.weights),
  trim: !values['no-trim'],
});

async function main(argv: string[]): Promise<number> {
  const line = parseCommandLine(argv);
  if ('help' in line) {
    console.log(line.help);
    return 0;
  }
  return HANDLERS[line.command](line.values, line.files);
}

main(process.argv.slice(2)).then(
  (code) => {
    // The exit code applies when the process ends: at once for one-shot commands, on a signal for the worker.
    process.exitCode = code;
  },
  (error) => {
    console.error(`strapi-image-search: ${errorMessage(error)}${error instanceof UsageError ? ` (${error.hint})` : ''}`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
);
