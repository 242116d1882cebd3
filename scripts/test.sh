#!/usr/bin/env bash
# The whole test suite: unit tests, then integration tests against a real Strapi, Kafka, Milvus and model.
# Its Kafka and Milvus run on their own ports with fresh data, so a running demo is left alone.
# Usage: test.sh [unit|integration]   (both when omitted)
LOG_TAG=test; source "$(dirname "$0")/lib.sh"
cd "$ROOT"
which="${1:-all}"

bash scripts/setup.sh

if [ "$which" = all ] || [ "$which" = unit ]; then
  log "unit tests"
  npx jest -c config/jest.unit.config.js
fi

if [ "$which" = all ] || [ "$which" = integration ]; then
  export IMAGE_SEARCH_RUN_DIR="$SERVICES_DIR/test-run"
  export KAFKA_PORT="${TEST_KAFKA_PORT:-19092}" KAFKA_CONTROLLER_PORT="${TEST_KAFKA_CONTROLLER_PORT:-19093}"
  export MILVUS_PORT="${TEST_MILVUS_PORT:-19540}" MILVUS_HEALTH_PORT="${TEST_MILVUS_HEALTH_PORT:-19091}" MILVUS_ETCD_PORT="${TEST_MILVUS_ETCD_PORT:-12379}"
  bash scripts/setup-chromium.sh
  build_admin "$IMAGE_SEARCH_RUN_DIR/build.log"
  trap 'bash scripts/services.sh stop' EXIT
  bash scripts/services.sh start --fresh
  log "integration tests"
  NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" npx jest -c config/jest.integration.config.js
fi
