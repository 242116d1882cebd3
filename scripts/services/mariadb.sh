#!/usr/bin/env bash
# A private MariaDB server (Debian's mariadb-server) on loopback, with a fresh data dir of its own, for the
# integration tests on MySQL/MariaDB. Each test app creates its own database in it.
# Usage: mariadb.sh install | start [--fresh] | stop | status
LOG_TAG=mariadb; source "$(dirname "$0")/../lib.sh"

INSTANCE="$RUN_DIR/mariadb"
PORT="${MARIADB_PORT:-13306}"
SOCKET="$INSTANCE/mysqld.sock"

install() {
  if command -v mariadbd >/dev/null && command -v mariadb-install-db >/dev/null; then log "MariaDB $(mariadbd --version | grep -o '[0-9]*\.[0-9]*\.[0-9]*' | head -1) installed"; return; fi
  log "installing MariaDB from Debian (about a minute)"
  apt_install mariadb-server
}

healthy() { mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1; }

start() {
  local fresh=false; [ "${1:-}" = "--fresh" ] && fresh=true
  install
  if pid_alive "$INSTANCE/pid" && healthy; then
    if ! $fresh; then log "already running on 127.0.0.1:$PORT"; return; fi
    stop
  fi
  port_free "$PORT" || die "port $PORT is busy: stop what uses it or set MARIADB_PORT"
  $fresh && rm -rf "$INSTANCE"
  mkdir -p "$INSTANCE"
  if [ ! -d "$INSTANCE/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$INSTANCE/data" --user="$(id -un)" --auth-root-authentication-method=normal \
      --skip-test-db >"$INSTANCE/install.log" 2>&1 || { tail -n 20 "$INSTANCE/install.log" >&2; die "mariadb-install-db failed"; }
  fi
  log "starting on 127.0.0.1:$PORT"
  setsid nohup mariadbd --no-defaults --datadir="$INSTANCE/data" --port="$PORT" --bind-address=127.0.0.1 --socket="$SOCKET" \
    --pid-file="$INSTANCE/mariadbd.pid" --user="$(id -un)" --max-connections=300 --innodb-flush-log-at-trx-commit=0 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci >"$INSTANCE/mariadb.log" 2>&1 </dev/null &
  echo $! >"$INSTANCE/pid"
  wait_for "MariaDB" 60 healthy
  # Tests connect over TCP as root, without a password (a throwaway server on loopback).
  mariadb --socket="$SOCKET" -uroot -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1'; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  cat >"$INSTANCE/env" <<ENV
DATABASE_CLIENT=mysql
DATABASE_HOST=127.0.0.1
DATABASE_PORT=$PORT
DATABASE_USERNAME=root
DATABASE_PASSWORD=
ENV
}

stop() {
  if pid_alive "$INSTANCE/pid"; then log "stopping"; fi
  stop_pid "$INSTANCE/pid" TERM 30
  rm -f "$INSTANCE/env"
}

status() {
  if pid_alive "$INSTANCE/pid" && healthy; then echo "mariadb: running on 127.0.0.1:$PORT"; else echo "mariadb: stopped"; return 1; fi
}

service_main "$@"
