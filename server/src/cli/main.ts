#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { configFromEnv } from '../config/env';
import { readConfigFile } from '../config/file';
import { formatFinding, runDoctor } from './doctor';
import { runEmbed } from './embed';
import { runFindDuplicates } from './find-duplicates';
import { errorMessage } from '../errors/pipeline-errors';
import { progressBar, runDuplicateScan, runRebuild, runReconcile } from './maintenance-client';
import { runRedrive } from './redrive';
import { runSizing } from './sizing-command';
import { runWorker } from './worker';

/** The plugin's command line: `strapi-image-search <command>`. */

const USAGE = `usage: strapi-image-search <command>

commands:
  worker [--config FILE]
      Run a standalone index worker. FILE (.json, or .js exporting it) holds the plugin config;
      it defaults to $IMAGE_SEARCH_CONFIG, and without either the config comes from environment
      variables (KAFKA_BROKERS, MILVUS_ADDRESS, ...; README, "Running the worker on its own").
      redrive and doctor read their config the same way.

  embed [--config FILE | --model ID [--weights PATH]] [--no-trim] [--batch-size N] FILES...
      Print one JSON line per file, {"file", "vector"} or {"file", "error"}, computed exactly as the worker
      does. The model and preprocessing come from FILE, or --model (default resnet50). Exits 1 when a file
      got no vector.

  find-duplicates [--config FILE | --model ID] [--threshold T] [--json] [--no-trim] FILES...
      Find the duplicates among image files, as the duplicates review would: one line per pair at the duplicate
      threshold (T, else the config's search.duplicateThreshold, 0.70), most similar first, then one line per
      group with the keeper the keeper rules suggest and why. --json prints JSON lines only:
      {"a","b","similarity"}, then {"group","keeper","reason"}. Paths are printed as given; progress goes
      to stderr. Exits 1 when a file could not be read.

  redrive [--config FILE]
      Send the dead letters (media events the workers could never apply) back to the media topic, once the
      cause is fixed. Each is re-driven once; its attempt count travels with it.

  reconcile --url URL [--model ID]
      Ask the Strapi at URL to compare its files with the index and repair the drift: missing vectors are
      queued, misplaced ones moved, orphans deleted. --model checks another model's index instead, e.g. one
      the workers of a new model are filling. Logs in with $STRAPI_ADMIN_EMAIL and $STRAPI_ADMIN_PASSWORD
      (an admin allowed to manage the index); prints the report as JSON.

  rebuild --url URL
      Rebuild the index with no downtime: a new collection is filled while searches use the old one, then
      replaces it in one step. Shows progress until the Strapi at URL completed it; run it again to resume.
      Same credentials as reconcile.

  scan-duplicates --url URL
      Rebuild the duplicate graph the duplicates page reads: every indexed image's duplicates, found again by
      the current decision. Strapi runs it by itself after a first install or a model or threshold change;
      this starts a new one and shows progress until it completes. Same credentials as reconcile.

  sizing --images N [--model resnet50|vgg16 | --dim D] [--index FLAT|IVF_FLAT|IVF_SQ8|HNSW|DISKANN]
         [--content-types-per-image 1] [--events-per-day N] [--retention-days 7] [--replication 1]
         [--rate 15] [--workers 1] [--json]
      Estimate Milvus memory and storage, Kafka storage and full-reindex time for a library of N images
      (README, "Capacity planning"). The index defaults to the type the plugin picks for N images.

  doctor [--config FILE]
      Check the CPU (AVX2), the model files and TensorFlow, and Kafka and Milvus (reachable, versions,
      topics, collection) as FILE configures them; print what is wrong and how to fix it. Exits 1 on a failure.`;

/** The plugin config: from --config FILE or $IMAGE_SEARCH_CONFIG, else from environment variables (README). */
function loadConfig(file = process.env.IMAGE_SEARCH_CONFIG): { raw: unknown; source: string } {
  if (file) return { raw: readConfigFile(file), source: file };
  const raw = configFromEnv(process.env);
  if (Object.keys(raw).length === 0) throw new Error(`no config: give --config FILE, set IMAGE_SEARCH_CONFIG, or set KAFKA_BROKERS, MILVUS_ADDRESS and the rest (README)\n\n${USAGE}`);
  return { raw, source: 'the environment variables' };
}

/** A redrawn bar on a terminal, a line per poll otherwise (logs, CI). */
const showProgress = (done: number, total: number) =>
  process.stderr.write(process.stderr.isTTY ? `\r${progressBar(done, total)}` : `${progressBar(done, total)}\n`);

const adminCredentials = () => ({ email: process.env.STRAPI_ADMIN_EMAIL, password: process.env.STRAPI_ADMIN_PASSWORD });

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      model: { type: 'string' },
      weights: { type: 'string' },
      'no-trim': { type: 'boolean' },
      'batch-size': { type: 'string' },
      threshold: { type: 'string' },
      url: { type: 'string' },
      images: { type: 'string' },
      dim: { type: 'string' },
      index: { type: 'string' },
      'content-types-per-image': { type: 'string' },
      'events-per-day': { type: 'string' },
      'retention-days': { type: 'string' },
      replication: { type: 'string' },
      rate: { type: 'string' },
      workers: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'worker': {
      await runWorker(loadConfig(values.config).raw);
      return 0;
    }
    case 'redrive': {
      await runRedrive(loadConfig(values.config).raw, (line) => console.log(line));
      return 0;
    }
    case 'reconcile': {
      if (!values.url) throw new Error(`reconcile needs --url URL\n\n${USAGE}`);
      console.log(JSON.stringify(await runReconcile(values.url, adminCredentials(), values.model)));
      return 0;
    }
    case 'rebuild': {
      if (!values.url) throw new Error(`rebuild needs --url URL\n\n${USAGE}`);
      const { queued } = await runRebuild(values.url, adminCredentials(), showProgress);
      console.log(`${process.stderr.isTTY ? '\n' : ''}rebuild complete (${queued} images queued when it started)`);
      return 0;
    }
    case 'scan-duplicates': {
      if (!values.url) throw new Error(`scan-duplicates needs --url URL\n\n${USAGE}`);
      const { total } = await runDuplicateScan(values.url, adminCredentials(), showProgress);
      console.log(`${process.stderr.isTTY ? '\n' : ''}duplicate scan complete (${total} images)`);
      return 0;
    }
    case 'doctor': {
      const { raw, source } = loadConfig(values.config);
      const findings = await runDoctor(raw, source);
      findings.forEach((finding) => console.log(formatFinding(finding)));
      return findings.every((finding) => finding.ok) ? 0 : 1;
    }
    case 'sizing': {
      console.log(runSizing(values));
      return 0;
    }
    case 'find-duplicates': {
      if (args.length < 2) throw new Error(`find-duplicates needs at least two files\n\n${USAGE}`);
      const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
      if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) throw new Error('--threshold must be a number from 0 to 1');
      const options = { config: values.config, model: values.model, weights: values.weights, trim: !values['no-trim'], threshold, json: !!values.json };
      const failures = await runFindDuplicates(args, options, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
      return failures > 0 ? 1 : 0;
    }
    case 'embed': {
      if (args.length === 0) throw new Error(`embed needs at least one file\n\n${USAGE}`);
      const batchSize = Number(values['batch-size'] ?? 8);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 64) throw new Error('--batch-size must be an integer from 1 to 64');
      const options = { config: values.config, model: values.model, weights: values.weights, trim: !values['no-trim'], batchSize };
      const failures = await runEmbed(args, options, (line) => process.stdout.write(`${line}\n`));
      return failures > 0 ? 1 : 0;
    }
    default:
      throw new Error(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    // The exit code applies when the process ends: at once for one-shot commands, on a signal for the worker.
    process.exitCode = code;
  },
  (error) => {
    console.error(`strapi-image-search: ${errorMessage(error)}`);
    process.exit(1);
  }
);
