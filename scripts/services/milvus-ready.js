/**
 * Waits until Milvus creates and drops a collection. Its health endpoint says OK before that works: a freshly
 * started Milvus-lite has been seen to answer health checks while Connect and CreateCollection hung for over a
 * minute. Each attempt uses a new client, so a stuck channel cannot make the next attempt fail too.
 * Usage: node milvus-ready.js ADDRESS BUDGET_SECONDS   (exit 0 once ready, 1 when the budget is spent)
 */
const { MilvusClient, DataType, ErrorCode } = require('@zilliz/milvus2-sdk-node');

const [address, budgetSeconds = '90'] = process.argv.slice(2);
const ATTEMPT_TIMEOUT_MS = 10_000;

async function roundTrip() {
  const client = new MilvusClient({ address, timeout: ATTEMPT_TIMEOUT_MS, maxRetries: 0, logLevel: 'error' });
  const collection_name = `ready_probe_${Date.now().toString(36)}`;
  const succeeded = (status, step) => {
    if (status.error_code !== ErrorCode.SUCCESS) throw new Error(`${step}: ${status.reason}`);
  };
  try {
    const fields = [
      { name: 'id', data_type: DataType.Int64, is_primary_key: true, autoID: false },
      { name: 'vector', data_type: DataType.FloatVector, dim: 2 },
    ];
    succeeded(await client.createCollection({ collection_name, fields }), 'createCollection');
    succeeded(await client.dropCollection({ collection_name }), 'dropCollection');
  } finally {
    await client.closeConnection();
  }
}

async function main() {
  const started = Date.now();
  const deadline = started + Number(budgetSeconds) * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await roundTrip();
      console.log(`creates collections after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    } catch (error) {
      if (Date.now() >= deadline) {
        console.error(`could not create a collection within ${budgetSeconds} s (attempt ${attempt}): ${error.message}`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

main().then((code) => process.exit(code));
