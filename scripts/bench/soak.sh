#!/usr/bin/env bash
# Benchmark: endurance (release build). The bot, as a child process, goes through 10,000
# reconciles and 20,000 signed pull_request deliveries over a repository with 200 open PRs
# (opened by webhook, listed by a fake GitHub, each deployed once by a command driver running
# `true` before measuring). Prints the bot's RSS at start, middle and end and its peak, with the
# goals (growth < 5 MB, peak < 64 MiB); exits 1 when a goal is missed.
#
#   bash scripts/bench/soak.sh [--prs 200] [--reconciles 10000] [--deliveries 20000] [--senders 4] [--time-limit 3600]
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/install-deps.sh --bench
swift build -c release --product slipway-bench >/dev/null
"$(swift build -c release --show-bin-path)/slipway-bench" soak "$@"
