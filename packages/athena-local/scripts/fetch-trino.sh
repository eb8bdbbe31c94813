#!/usr/bin/env bash
# Fetches the pinned Trino server from Maven Central like any other dependency and lays it out as an
# installation the local stack can run. Idempotent: a complete installation is left alone, and
# Maven's own cache (~/.m2) means a second machine state never downloads twice.
#
#   io.trino:trino-server-core:<v>:tar.gz   the server without connectors
#   io.trino:trino-iceberg:<v>:zip          the Iceberg connector plugin
#   io.trino:trino-hive:<v>:zip             the Hive connector plugin (the staging table)
#
# Prints the installation directory on its last line. Environment:
#   TRINO_VERSION   (default 476, the newest release whose server-core tarball Maven Central serves here)
#   TRINO_HOME      where to install (default ~/.cache/ddb-athena-sync/trino-server-<v>)
set -euo pipefail

version="${TRINO_VERSION:-476}"
home="${TRINO_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/ddb-athena-sync/trino-server-${version}}"

if [ -f "$home/.complete" ]; then
  echo "$home"
  exit 0
fi
if ! command -v mvn >/dev/null 2>&1; then
  echo "fetch-trino: Maven (mvn) is needed to fetch Trino from Maven Central; install it (e.g. apt-get install maven)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/fetch-trino-XXXXXX")"
trap 'rm -rf "$work"' EXIT

for artifact in "trino-server-core:${version}:tar.gz" "trino-iceberg:${version}:zip" "trino-hive:${version}:zip"; do
  echo "fetch-trino: io.trino:${artifact}" >&2
  mvn -q -B dependency:copy "-Dartifact=io.trino:${artifact}" "-DoutputDirectory=$work/artifacts" >&2
done

# Build the installation beside its final place, then rename it: an interrupted run never leaves a
# half-extracted installation that looks complete.
staging="$home.partial-$$"
rm -rf "$staging"
mkdir -p "$staging"
tar -xzf "$work/artifacts/trino-server-core-${version}.tar.gz" -C "$staging" --strip-components=1
# Only the two connectors the stand-in uses are loaded (plugin.dir points here): the server-core's
# own plugins (geospatial, python functions, ...) would only slow the start.
mkdir -p "$staging/connectors"
for plugin in iceberg hive; do
  unzip -q "$work/artifacts/trino-${plugin}-${version}.zip" -d "$work/unzipped"
  mv "$work/unzipped/trino-${plugin}-${version}" "$staging/connectors/${plugin}"
done
echo "$version" > "$staging/.complete"
rm -rf "$home"
mkdir -p "$(dirname "$home")"
mv "$staging" "$home"
echo "fetch-trino: installed Trino ${version} in $home ($(du -sh "$home" | cut -f1))" >&2
echo "$home"
