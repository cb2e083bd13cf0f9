#!/usr/bin/env bash
# Installs the Debian packages Slipway builds and runs with (and, with --test, what the tests
# start: Docker, Caddy, Chromium, systemd-analyze, and mmdebstrap for the Containerfile test's
# Debian base; with --bench, the benchmarks' peers too).
# Idempotent: packages already present are not fetched again, and apt-get update runs only when
# something is missing. Uses sudo only when not root.
#
#   bash scripts/install-deps.sh [--test] [--bench]
set -euo pipefail

PACKAGES=(
  pkg-config
  libgit2-dev libcurl4-openssl-dev libpq-dev libssl-dev libmicrohttpd-dev libyaml-dev libsqlite3-dev zlib1g-dev
  git postgresql-15 python3 procps openssl coreutils
  bubblewrap util-linux
)
TEST_PACKAGES=(e2fsprogs systemd chromium docker.io busybox-static iproute2 caddy mmdebstrap)
for arg in "$@"; do
  case "$arg" in
    --test) PACKAGES+=("${TEST_PACKAGES[@]}") ;;
    --bench) PACKAGES+=("${TEST_PACKAGES[@]}" wrk nginx-light) ;;
    *) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
