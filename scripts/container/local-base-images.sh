#!/usr/bin/env bash
# Makes the Containerfile's two base images locally, for a machine that reaches a Debian mirror
# but no container registry: with Debian's mmdebstrap (run as root) and `docker import`.
#
#   slipway-local/debian:bookworm-slim   Debian 12 minbase without manuals, docs and locales
#                                        (what debian:bookworm-slim is)
#   slipway-local/swift:6.3-bookworm     the same with what the Swift toolchain needs, and the
#                                        toolchain in SWIFT_TOOLCHAIN (default /opt/swift, which
#                                        holds usr/bin/swift) copied to /opt/swift
#
#   sudo bash scripts/container/local-base-images.sh
#   bash scripts/container/build.sh --runtime-image slipway-local/debian:bookworm-slim \
#       --builder-image slipway-local/swift:6.3-bookworm -- --network host
#
# (--network host: with a daemon that does no NAT, e.g. `dockerd --iptables=false`, the build's
# apt-get reaches the mirror through the host's network.)
set -euo pipefail
engine=${ENGINE:-docker}
toolchain=${SWIFT_TOOLCHAIN:-/opt/swift}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
command -v mmdebstrap >/dev/null 2>&1 || { echo "local-base-images.sh: install mmdebstrap (apt-get install mmdebstrap)" >&2; exit 1; }
command -v "$engine" >/dev/null 2>&1 || { echo "local-base-images.sh: $engine is not on PATH: install docker.io or podman" >&2; exit 1; }
[[ -x "$toolchain/usr/bin/swift" ]] || { echo "local-base-images.sh: no Swift toolchain at $toolchain (usr/bin/swift); set SWIFT_TOOLCHAIN" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || { echo "local-base-images.sh: run as root (mmdebstrap --mode=root)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
slim=(
  --variant=minbase --mode=root --format=tar
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
  --dpkgopt='path-exclude=/usr/share/locale/*'
)
sources=(
  "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security bookworm-security main"
)
path="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

echo "== slipway-local/debian:bookworm-slim"
mmdebstrap "${slim[@]}" bookworm "$work/slim.tar" "${sources[@]}"
"$engine" import --change "ENV $path" --change 'CMD ["bash"]' "$work/slim.tar" slipway-local/debian:bookworm-slim

echo "== slipway-local/swift:6.3-bookworm ($("$toolchain/usr/bin/swift" --version 2>&1 | head -n 1))"
mmdebstrap "${slim[@]}" \
  --include=binutils,libc6-dev,libgcc-12-dev,libstdc++-12-dev,libcurl4,libxml2,libedit2,libsqlite3-0,libncurses6,libpython3.11,pkg-config,tzdata,ca-certificates,git,zlib1g-dev,unzip \
  --customize-hook="mkdir -p \"\$1/opt/swift\"" \
  --customize-hook="sync-in $toolchain /opt/swift" \
  bookworm "$work/swift.tar" "${sources[@]}"
"$engine" import --change "ENV PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change 'CMD ["bash"]' "$work/swift.tar" slipway-local/swift:6.3-bookworm
"$engine" image ls --filter reference='slipway-local/*'
