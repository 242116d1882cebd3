#!/usr/bin/env bash
# The whole test suite: unit tests, then integration tests against a real Strapi, Kafka, Milvus and model, on
# SQLite and on PostgreSQL (what CI runs). Kafka, Milvus and the databases run on their own ports with fresh data,
# so a running demo is left alone.
# Usage: test.sh [unit|integration] [--database=sqlite|postgres|mariadb ...] [--all-databases] [jest arguments]
#   --database=NAME   run the integration tests on this database (repeatable); default: sqlite, then postgres
#                     without the suites that never touch Strapi's database (the standalone worker's faults)
#   --all-databases   the full suite on SQLite, PostgreSQL and MariaDB (MariaDB is installed with apt-get when missing)
LOG_TAG=test; source "$(dirname "$0")/lib.sh"
cd "$ROOT"

which=all databases=() jest_args=() database_free_skipped=false
for arg in "$@"; do
  case "$arg" in
    unit | integration) which="$arg" ;;
    --all-databases) databases=(sqlite postgres mariadb) ;;
    --database=*) databases+=("${arg#--database=}") ;;
    *) jest_args+=("$arg") ;;
  esac
done
if [ ${#databases[@]} -eq 0 ]; then databases=(sqlite postgres) database_free_skipped=true; fi
# Standalone workers and their faults involve Kafka, Milvus and the model, and find-duplicates the model: never
# Strapi's database; the fresh install scaffolds an app of its own, on SQLite.
DATABASE_FREE_SUITES='worker-faults|standalone-worker|find-duplicates|fresh-install|events-command'
for database in "${databases[@]}"; do
  case "$database" in sqlite | postgres | mariadb) ;; *) die "unknown database $database: sqlite, postgres or mariadb" ;; esac
done

bash scripts/setup.sh

if [ "$which" = all ] || [ "$which" = unit ]; then
  log "type check: server, tests, benchmarks and admin; no import cycles"
  npm run --silent typecheck
  npm run --silent cycles
  log "unit tests"
  npx jest -c config/jest.unit.config.js "${jest_args[@]}"
fi

if [ "$which" = all ] || [ "$which" = integration ]; then
  export IMAGE_SEARCH_RUN_DIR="$SERVICES_DIR/test-run"
  export KAFKA_PORT="${TEST_KAFKA_PORT:-19092}" KAFKA_CONTROLLER_PORT="${TEST_KAFKA_CONTROLLER_PORT:-19093}"
  export MILVUS_PORT="${TEST_MILVUS_PORT:-19540}" MILVUS_HEALTH_PORT="${TEST_MILVUS_HEALTH_PORT:-19091}" MILVUS_ETCD_PORT="${TEST_MILVUS_ETCD_PORT:-12379}"
  export POSTGRES_PORT="${TEST_POSTGRES_PORT:-15432}" MARIADB_PORT="${TEST_MARIADB_PORT:-13306}"
  # Inside Jest, process.env is a copy that TensorFlow never reads, so the plugin's own quieting cannot reach it.
  export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
  bash scripts/setup-chromium.sh
  build_admin "$IMAGE_SEARCH_RUN_DIR/build.log"
  trap 'bash scripts/services.sh stop; for db in postgres mariadb; do bash scripts/services/$db.sh stop; done' EXIT
  for database in "${databases[@]}"; do
    # Fresh services per database: each run starts from empty topics and collections.
    bash scripts/services.sh start --fresh
    [ "$database" = sqlite ] || bash "scripts/services/$database.sh" start --fresh
    skip=()
    if $database_free_skipped && [ "$database" != sqlite ]; then skip=(--testPathIgnorePatterns "$DATABASE_FREE_SUITES"); fi
    log "integration tests on $database${skip:+ (without $DATABASE_FREE_SUITES, run on sqlite)}"
    TEST_DATABASE="$database" NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}" \
      npx jest -c config/jest.integration.config.js "${skip[@]}" "${jest_args[@]}"
  done
fi
