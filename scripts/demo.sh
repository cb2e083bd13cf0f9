#!/usr/bin/env bash
# The one-command demo: installs what Slipway needs (apt), builds it, and runs the whole loop
# locally (a repository made from examples/app, the bot on SQLite with the process driver,
# signed webhooks, a fake GitHub). Extra arguments go to `slipway-demo` (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH="$PATH:/opt/swift/usr/bin"
fi
bash scripts/install-deps.sh
echo "building slipway and slipway-demo..."
swift build --product slipway 2>&1 | tail -n 1
swift build --product slipway-demo 2>&1 | tail -n 1
exec "$(swift build --show-bin-path)/slipway-demo" "$@"
