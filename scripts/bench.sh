#!/usr/bin/env bash
# The benchmarks: extraction speed against Keras, the worker's memory over many images, ingestion through Strapi,
# Kafka and standalone workers, and search through the HTTP API as the collection grows. Figures and ratios are
# printed; nothing passes or fails on them. Settings: ROUNDS, IMAGES, MEMORY_IMAGES, INGEST_IMAGES, INGEST_WORKERS,
# SEARCH_SIZES, SEARCH_INDEXES, SEARCH_DIM, DUPLICATES_SIZES, SCAN_IMAGES, and BENCH=speed,memory,ingestion,search,duplicates
# to run some of them.
LOG_TAG=bench; source "$(dirname "$0")/lib.sh"
cd "$ROOT"
which=",${BENCH:-speed,memory,ingestion,search,duplicates},"

bash scripts/setup.sh
# Real photos beyond the samples: the quality set (speed's camera-sized photos, ingestion's live phase) and the
# distractors (ingestion's backlogs: distinct photos, none a copy of another).
bash scripts/fetch-photos.sh scripts/quality-photos.tsv .samples/quality
bash scripts/fetch-photos.sh scripts/distractor-photos.tsv .samples/distractors
npx tsc -p tsconfig.bench.json
export TF_CPP_MIN_LOG_LEVEL=2
if [[ $which == *,speed,* ]]; then
  bash scripts/setup-keras-reference.sh || log "no Keras reference: the speed benchmark runs without it"
  node dist-bench/bench/speed.js
fi
[[ $which == *,memory,* ]] && node dist-bench/bench/memory.js

if [[ $which == *,ingestion,* || $which == *,search,* || $which == *,duplicates,* ]]; then
  # Their own Kafka and Milvus, on ports of their own, so a running demo or test run is left alone.
  export IMAGE_SEARCH_RUN_DIR="$SERVICES_DIR/bench-run"
  export KAFKA_PORT=39092 KAFKA_CONTROLLER_PORT=39093 MILVUS_PORT=39540 MILVUS_HEALTH_PORT=39091 MILVUS_ETCD_PORT=32379
  trap 'bash scripts/services.sh stop' EXIT
  bash scripts/services.sh start --fresh
  [[ $which == *,ingestion,* ]] && node dist-bench/bench/ingestion.js
  [[ $which == *,search,* ]] && node dist-bench/bench/search.js
  [[ $which == *,duplicates,* ]] && node dist-bench/bench/duplicates.js
fi
exit 0
