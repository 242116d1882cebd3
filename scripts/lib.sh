# Shared helpers for the project's shell scripts. Source it; never run it.
# Layout:
#   $CACHE_DIR              what a reinstall reuses, under HOME ($IMAGE_SEARCH_CACHE moves it): downloads (wheels,
#                           jars, tarballs), the model weights (models/), libtensorflow and the built addon (tfjs/)
#   $SERVICES_DIR/<name>/   what a service needs installed: .services/ in a clone of the repository, the cache's
#                           services/ when the plugin is installed as a package (never inside node_modules)
#   $SERVICES_DIR/run/<name>/ one running instance: pid, log, data, env
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${IMAGE_SEARCH_CACHE:-$HOME/.cache/strapi-image-search}"
MODELS_DIR="$CACHE_DIR/models"
# installed_as_package: true when these scripts run from an app's node_modules, not from a clone.
installed_as_package() { case "$ROOT" in */node_modules/*) return 0 ;; *) return 1 ;; esac; }
if installed_as_package; then SERVICES_DIR="$CACHE_DIR/services"; else SERVICES_DIR="$ROOT/.services"; fi
RUN_DIR="${IMAGE_SEARCH_RUN_DIR:-$SERVICES_DIR/run}"
mkdir -p "$CACHE_DIR"

log() { printf '\033[1;34m[%s]\033[0m %s\n' "${LOG_TAG:-image-search}" "$*" >&2; }
die() { printf '\033[1;31m[%s] error:\033[0m %s\n' "${LOG_TAG:-image-search}" "$*" >&2; exit 1; }

# sha256_check FILE HEX: fail loudly when a download is not what was pinned.
sha256_check() {
  local actual
  actual="$(sha256sum "$1" | cut -d' ' -f1)"
  [ "$actual" = "$2" ] || die "sha256 mismatch for $1: expected $2, got $actual"
}

# tf_wheel: the path of the pinned tensorflow-cpu wheel, downloaded once into the cache and verified. It gives
# tfjs-node its native library, and the benchmarks their Keras reference.
TF_WHEEL=tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl
TF_WHEEL_SHA256=2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c
tf_wheel() {
  local wheel="$CACHE_DIR/wheels/$TF_WHEEL"
  if [ ! -f "$wheel" ]; then
    log "downloading $TF_WHEEL (274 MB, cached under $CACHE_DIR)"
    mkdir -p "$CACHE_DIR/wheels"
    pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
      --platform manylinux_2_27_x86_64 tensorflow-cpu==2.21.0 -d "$CACHE_DIR/wheels" >&2
  fi
  sha256_check "$wheel" "$TF_WHEEL_SHA256"
  echo "$wheel"
}

# node_headers_dir: the prefix whose include/node holds Node's headers, for node-gyp builds (it would otherwise
# try to download them). An explicit npm_config_nodedir wins.
node_headers_dir() {
  if [ -n "${npm_config_nodedir:-}" ]; then echo "$npm_config_nodedir"
  elif [ -f /usr/include/node/node.h ]; then echo /usr
  else dirname "$(dirname "$(command -v node)")"
  fi
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_for DESCRIPTION TIMEOUT_SECONDS COMMAND...: poll COMMAND once a second.
wait_for() {
  local what="$1" timeout="$2"; shift 2
  local start=$SECONDS
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start >= timeout )); then die "$what not ready after ${timeout}s"; fi
    sleep 1
  done
  log "$what ready after $((SECONDS - start))s"
}

# Every service runs in its own process group (started with setsid, so its pid is the group id), and is stopped
# as a group, so children such as Milvus's server process go with it.

# group_alive PGID: true while a process of the group runs. Zombies do not count: nothing may reap them here.
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'; }

# pid_alive PIDFILE: true when the process group recorded in PIDFILE runs.
pid_alive() { [ -f "$1" ] && group_alive "$(cat "$1")"; }

# stop_pid PIDFILE SIGNAL TIMEOUT: signal the group, wait, then SIGKILL it; removes the pidfile.
stop_pid() {
  local pidfile="$1" sig="${2:-TERM}" timeout="${3:-30}" pgid
  pid_alive "$pidfile" || { rm -f "$pidfile"; return 0; }
  pgid="$(cat "$pidfile")"
  kill -"$sig" -- "-$pgid" 2>/dev/null || true
  local start=$SECONDS
  while group_alive "$pgid"; do
    if (( SECONDS - start >= timeout )); then kill -KILL -- "-$pgid" 2>/dev/null || true; break; fi
    sleep 0.5
  done
  rm -f "$pidfile"
}

# stop_matching PATTERN SIGNAL TIMEOUT: stop_pid for processes no pidfile records, found by their command line
# (pgrep -f PATTERN); true when there were none.
stop_matching() {
  local pattern="$1" sig="${2:-TERM}" timeout="${3:-30}"
  pkill -"$sig" -f -- "$pattern" || return 0
  local start=$SECONDS
  while pgrep -f -- "$pattern" >/dev/null; do
    if (( SECONDS - start >= timeout )); then pkill -KILL -f -- "$pattern" || true; break; fi
    sleep 0.5
  done
}

# service_main ARGS...: the command line of a service script that defines install, start, stop and status.
service_main() {
  case "${1:-}" in
    install) install ;;
    start) start "${2:-}" ;;
    stop) stop ;;
    status) status ;;
    *) die "usage: $0 install | start [--fresh] | stop | status" ;;
  esac
}

# Builds the playground's admin panel (with the plugin's pages) into playground/build, only when the plugin's
# admin code or the app changed since the last build. Usage: build_admin LOG_FILE
build_admin() {
  local app="$ROOT/playground" log_file="$1"
  local marker="$app/build/.built"
  if [ -f "$marker" ] && [ -z "$(cd "$ROOT" && find admin/src server/src/contracts playground/src playground/config package.json -newer "$marker" -print -quit)" ]; then
    log "admin panel is up to date"; return
  fi
  log "building the admin panel (about a minute)"
  mkdir -p "$(dirname "$log_file")"
  (cd "$app" && STRAPI_TELEMETRY_DISABLED=true "$ROOT/node_modules/.bin/strapi" build >"$log_file" 2>&1) \
    || { tail -n 40 "$log_file" >&2; die "the admin build failed"; }
  touch "$marker"
}

# apt_install PACKAGE...: Debian packages, as root. Their own services are not started: the project's scripts run
# private instances on ports of their own.
apt_install() {
  [ "$(id -u)" = 0 ] || die "installing $* needs root (apt-get)"
  local policy=/usr/sbin/policy-rc.d created=false rc=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; created=true; fi
  if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }; then rc=1; fi
  if $created; then rm -f "$policy"; fi
  [ "$rc" = 0 ] || die "apt-get could not install $*"
}
