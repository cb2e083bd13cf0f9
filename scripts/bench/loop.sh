#!/usr/bin/env bash
# Benchmark: bot overhead around deploys over 100 PR events (release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh --bench
swift build -c release --product slipway-bench >/dev/null
"$(swift build -c release --show-bin-path)/slipway-bench" loop --example examples/app "$@"
