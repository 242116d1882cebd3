#!/usr/bin/env bash
# A real Milvus 2.3 standalone server (embedded etcd, local storage) from PyPI's `milvus` package, on loopback.
# Usage: milvus.sh install | start [--fresh] | stop | status
LOG_TAG=milvus; source "$(dirname "$0")/../lib.sh"

MILVUS_PYPI_VERSION=2.3.5
MILVUS_WHEEL_SHA256=69515a0630ce29fd10e101fa442afea8ca1387b93a456cd9bd41fdf3deb93d04
VENV="$SERVICES_DIR/milvus/venv"
INSTANCE="$RUN_DIR/milvus"
PORT="${MILVUS_PORT:-19530}"
HEALTH_PORT="${MILVUS_HEALTH_PORT:-9091}"
ETCD_PORT="${MILVUS_ETCD_PORT:-2379}" # its peer port is ETCD_PORT + 1

install() {
  if [ -x "$VENV/bin/milvus-server" ] && [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("milvus"))' 2>/dev/null)" = "$MILVUS_PYPI_VERSION" ]; then
    log "Milvus $MILVUS_PYPI_VERSION already installed"; return
  fi
  local wheels="$CACHE_DIR/pip"; mkdir -p "$wheels"
  local wheel="$wheels/milvus-$MILVUS_PYPI_VERSION-py3-none-manylinux2014_x86_64.whl"
  if [ ! -f "$wheel" ]; then
    log "downloading milvus==$MILVUS_PYPI_VERSION from PyPI (58 MB)"
    pip download --quiet --no-deps --only-binary=:all: --platform manylinux2014_x86_64 "milvus==$MILVUS_PYPI_VERSION" -d "$wheels"
  fi
  sha256_check "$wheel" "$MILVUS_WHEEL_SHA256"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --no-index "$wheel" || die "installing the milvus wheel failed"
  log "installed Milvus $MILVUS_PYPI_VERSION into $VENV"
}

healthy() { [ -f "$INSTANCE/env" ] && curl -fsS --max-time 2 "$(sed -n 's/^MILVUS_HEALTH_URL=//p' "$INSTANCE/env")" 2>/dev/null | grep -q OK; }

start() {
  local fresh=false; [ "${1:-}" = "--fresh" ] && fresh=true
  install
  if ! $fresh && pid_alive "$INSTANCE/pid" && healthy; then log "already running ($(head -1 "$INSTANCE/env"))"; return; fi
  stop
  port_free "$PORT" || die "port $PORT is busy: stop what uses it or set MILVUS_PORT"
  port_free "$ETCD_PORT" && port_free "$((ETCD_PORT + 1))" || die "etcd ports $ETCD_PORT/$((ETCD_PORT + 1)) are busy: set MILVUS_ETCD_PORT"
  $fresh && rm -rf "$INSTANCE"
  mkdir -p "$INSTANCE/data"
  # Milvus-lite sometimes exits while recovering persisted data, or comes up unable to create collections; a
  # second start then succeeds.
  launch || { log "Milvus failed during startup; starting it once more"; launch; } \
    || { tail -n 40 "$INSTANCE/milvus.log" "$INSTANCE"/data/logs/*.log >&2 2>/dev/null; die "Milvus failed during startup"; }
}

# Starts the launcher and waits for health; fails when Milvus exits first.
launch() {
  rm -f "$INSTANCE/env"
  log "starting (gRPC 127.0.0.1:$PORT)"
  # Its own process group, so stop reaches the milvus and etcd children too.
  setsid nohup "$VENV/bin/python" "$ROOT/scripts/services/milvus_launcher.py" "$INSTANCE/data" "$PORT" "$HEALTH_PORT" "$ETCD_PORT" "$INSTANCE/env" \
    >"$INSTANCE/milvus.log" 2>&1 < /dev/null &
  echo $! > "$INSTANCE/pid"
  local start=$SECONDS
  until healthy; do
    pid_alive "$INSTANCE/pid" || return 1
    (( SECONDS - start < 300 )) || { tail -n 40 "$INSTANCE/milvus.log" >&2; die "Milvus not healthy after 300s"; }
    sleep 1
  done
  local address; address="$(sed -n 's/^MILVUS_ADDRESS=//p' "$INSTANCE/env")"
  log "healthy at $address after $((SECONDS - start))s"
  # Healthy is not yet usable: wait until it creates a collection, or restart it (when the client is installed).
  if (cd "$ROOT" && node -e "require.resolve('@zilliz/milvus2-sdk-node')") >/dev/null 2>&1; then
    local ready
    if ! ready="$(node "$ROOT/scripts/services/milvus-ready.js" "$address" 90 2>&1)"; then
      log "$ready; stopping it"; stop; return 1
    fi
    log "$ready"
  fi
}

stop() {
  if pid_alive "$INSTANCE/pid"; then log "stopping"; fi
  # SIGINT is Milvus's graceful shutdown.
  stop_pid "$INSTANCE/pid" INT 25
  # A Milvus can outlive its recorded group (seen once after a restart under load, with its launcher gone): find it
  # by its binary, which the package copies into this instance's data dir.
  local binary="^$INSTANCE/data/bin/milvus run"
  if pgrep -f -- "$binary" >/dev/null; then log "stopping a Milvus left without its launcher"; stop_matching "$binary" INT 15; fi
  rm -f "$INSTANCE/env"
}

status() {
  if pid_alive "$INSTANCE/pid" && healthy; then echo "milvus: running, $(head -1 "$INSTANCE/env")"; else echo "milvus: stopped"; return 1; fi
}

service_main "$@"
