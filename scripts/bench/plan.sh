#!/usr/bin/env bash
# Benchmark: plan a repository with 1,000 open PRs and 5,000 refs (release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh --bench
swift build -c release --product slipway-bench >/dev/null
"$(swift build -c release --show-bin-path)/slipway-bench" plan "$@"
