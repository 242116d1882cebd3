#!/usr/bin/env bash
# Starts, stops or reports the plugin's backing services (Kafka, Milvus) together.
# Usage: services.sh start [--fresh] | stop | status
source "$(dirname "$0")/lib.sh"
case "${1:-}" in
  start) bash "$ROOT/scripts/services/kafka.sh" start "${2:-}"; bash "$ROOT/scripts/services/milvus.sh" start "${2:-}" ;;
  stop) bash "$ROOT/scripts/services/milvus.sh" stop; bash "$ROOT/scripts/services/kafka.sh" stop ;;
  status) rc=0; bash "$ROOT/scripts/services/kafka.sh" status || rc=1; bash "$ROOT/scripts/services/milvus.sh" status || rc=1; exit $rc ;;
  *) die "usage: $0 start [--fresh] | stop | status" ;;
esac
