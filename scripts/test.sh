#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine with the Swift 6.3 toolchain:
# installs the apt packages it needs, builds (failing on any warning from our own code),
# and runs every test. Tests start what they need themselves (a throwaway PostgreSQL
# cluster, git HTTP servers, fake forges) on loopback and stop it afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
  export PATH="$PATH:/opt/swift/usr/bin"
fi
command -v swift >/dev/null 2>&1 || { echo "test.sh: the Swift toolchain (swift) is not on PATH" >&2; exit 1; }

bash scripts/install-deps.sh --test

log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT

echo "== build"
if ! swift build --build-tests 2>&1 | tee "$log_dir/build.log"; then
  echo "test.sh: the build failed" >&2
  exit 1
fi
if grep -E "^$(pwd)/(Sources|Tests)/.*: warning:" "$log_dir/build.log" | sort -u | grep . ; then
  echo "test.sh: the build shows warnings from our own code (listed above)" >&2
  exit 1
fi

echo "== test"
status=0
# A variable only the bot's own process has (the sandbox tests check builds never see it). Set
# here, before the test process starts: setenv() while other tests' threads spawn processes
# races with their reading of the environment (it crashed Foundation's Process.run once).
export SLIPWAY_TEST_BOT_ONLY=must-not-leak
swift test --skip-build 2>&1 | tee "$log_dir/test.log" || status=$?
if [[ $status -ne 0 ]]; then
  echo "test.sh: tests failed (exit $status)" >&2
  grep -E "✘|error:" "$log_dir/test.log" | head -60 >&2 || true
fi
exit $status
