#!/usr/bin/env bash
# Puts `slipway` on PATH: installs the Debian packages it needs at run time, builds it in release
# mode and copies the binary to $PREFIX/bin (default /usr/local/bin), then prints its version.
#
#   bash scripts/install.sh                    # build and install to /usr/local/bin/slipway
#   PREFIX=$HOME/.local bash scripts/install.sh
#   bash scripts/install.sh --binary PATH      # install an already built binary (no build)
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
binary=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    *) echo "usage: [PREFIX=DIR] $0 [--binary PATH]" >&2; exit 2 ;;
  esac
done
if [[ -z "$binary" ]]; then
  if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    export PATH="$PATH:/opt/swift/usr/bin"
  fi
  bash scripts/install-deps.sh
  echo "building slipway (release)..."
  swift build -c release --product slipway 2>&1 | tail -n 1
  binary="$(swift build -c release --show-bin-path)/slipway"
fi
[[ -x "$binary" ]] || { echo "install.sh: $binary is not an executable" >&2; exit 1; }
mkdir -p "$prefix/bin"
install -m 0755 "$binary" "$prefix/bin/slipway"
echo "installed $prefix/bin/slipway: $("$prefix/bin/slipway" --version)"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
