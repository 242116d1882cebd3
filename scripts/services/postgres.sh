#!/usr/bin/env bash
# A private PostgreSQL cluster (Debian's postgresql package) on loopback, with a fresh data dir of its own, for the
# integration tests on PostgreSQL. Each test app creates its own database in it.
# Usage: postgres.sh install | start [--fresh] | stop | status
LOG_TAG=postgres; source "$(dirname "$0")/../lib.sh"

INSTANCE="$RUN_DIR/postgres"
PORT="${POSTGRES_PORT:-15432}"
# The cluster runs as the postgres user: initdb refuses root.
OWNER=postgres

bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

install() {
  if [ -n "$(bin_dir)" ] && id "$OWNER" >/dev/null 2>&1; then log "PostgreSQL $("$(bin_dir)/postgres" --version | awk '{print $3}') installed"; return; fi
  [ "$(id -u)" = 0 ] || die "PostgreSQL is missing: install it with \`sudo apt-get install -y postgresql\`"
  log "installing PostgreSQL from Debian"
  apt_install postgresql
}

as_owner() { if [ "$(id -un)" = "$OWNER" ]; then "$@"; else runuser -u "$OWNER" -- "$@"; fi; }

healthy() { "$(bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$PORT"; }

start() {
  local fresh=false; [ "${1:-}" = "--fresh" ] && fresh=true
  install
  if [ -f "$INSTANCE/env" ] && healthy; then
    if ! $fresh; then log "already running on 127.0.0.1:$PORT"; return; fi
    stop
  fi
  port_free "$PORT" || die "port $PORT is busy: stop what uses it or set POSTGRES_PORT"
  $fresh && rm -rf "$INSTANCE"
  mkdir -p "$INSTANCE"
  chown "$OWNER" "$INSTANCE"
  if [ ! -f "$INSTANCE/data/PG_VERSION" ]; then
    # Loopback only, and trusted there: a throwaway cluster for tests.
    as_owner "$(bin_dir)/initdb" -D "$INSTANCE/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$INSTANCE/initdb.log" 2>&1 \
      || { tail -n 20 "$INSTANCE/initdb.log" >&2; die "initdb failed"; }
  fi
  log "starting on 127.0.0.1:$PORT"
  as_owner "$(bin_dir)/pg_ctl" -D "$INSTANCE/data" -l "$INSTANCE/postgres.log" -w -t 60 \
    -o "-p $PORT -k $INSTANCE -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null \
    || { tail -n 20 "$INSTANCE/postgres.log" >&2; die "PostgreSQL did not start"; }
  wait_for "PostgreSQL" 30 healthy
  cat >"$INSTANCE/env" <<ENV
DATABASE_CLIENT=postgres
DATABASE_HOST=127.0.0.1
DATABASE_PORT=$PORT
DATABASE_USERNAME=postgres
DATABASE_PASSWORD=
ENV
}

stop() {
  if [ -f "$INSTANCE/data/postmaster.pid" ]; then
    log "stopping"
    as_owner "$(bin_dir)/pg_ctl" -D "$INSTANCE/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  rm -f "$INSTANCE/env"
}

status() {
  if healthy 2>/dev/null; then echo "postgres: running on 127.0.0.1:$PORT"; else echo "postgres: stopped"; return 1; fi
}

service_main "$@"
