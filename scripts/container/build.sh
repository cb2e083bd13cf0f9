#!/usr/bin/env bash
# Builds Slipway's container image from source (packaging/container/Containerfile, its `release`
# stage: a release build with --static-swift-stdlib in the Swift image, copied onto Debian 12
# slim), then prints how long it took, the image's size and `slipway --version` run in it.
#
#   bash scripts/container/build.sh [--tag TAG] [--runtime-image REF] [--builder-image REF] [-- ARGS...]
#
# --runtime-image and --builder-image replace debian:bookworm-slim and swift:6.3-bookworm (e.g.
# images from your own registry, or the local ones scripts/container/local-base-images.sh makes
# where no registry is reachable). ARGS go to the engine's build command as they are (e.g.
# --network host, --build-arg OPTIONAL_PACKAGES=). ENGINE=podman uses Podman; with Docker the
# build uses BuildKit (DOCKER_BUILDKIT=1), which skips the `prebuilt` stage a source build does
# not need (Docker's classic builder would run it and fail).
set -euo pipefail
cd "$(dirname "$0")/../.."
engine=${ENGINE:-docker}
tag=slipway:latest
build_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --runtime-image) build_args+=(--build-arg "RUNTIME_IMAGE=$2"); shift 2 ;;
    --builder-image) build_args+=(--build-arg "BUILDER_IMAGE=$2"); shift 2 ;;
    --) shift; build_args+=("$@"); break ;;
    *) echo "usage: $0 [--tag TAG] [--runtime-image REF] [--builder-image REF] [-- ENGINE-BUILD-ARGS...]" >&2; exit 2 ;;
  esac
done
command -v "$engine" >/dev/null 2>&1 || { echo "build.sh: $engine is not on PATH: install docker.io or podman (or set ENGINE)" >&2; exit 1; }

export DOCKER_BUILDKIT=1
start=$(date +%s)
"$engine" build -f packaging/container/Containerfile --target release -t "$tag" "${build_args[@]}" .
seconds=$(( $(date +%s) - start ))
size=$("$engine" image inspect --format '{{.Size}}' "$tag")
echo "built $tag in ${seconds} s; image size $(( size / 1000000 )) MB"
echo "in the image: $("$engine" run --rm --network none "$tag" --version)"
