#!/bin/sh
# "Builds" the app: renders the page with the commit it was built from.
set -eu
echo "building app for ${SLIPWAY_ENV:-local} at ${SLIPWAY_SHA:-unknown}"
mkdir -p dist
# The payments key is a secret: the page says which mode it is in, never the key.
case "${PAYMENTS_KEY:-}" in
  sk_test_*) payments="test mode" ;;
  "") payments="not configured" ;;
  *) payments="configured" ;;
esac
sed "s/@SHA@/${SLIPWAY_SHA:-unknown}/; s/@ENV@/${SLIPWAY_ENV:-local}/; s/@PAYMENTS@/${payments}/" app/index.html > dist/index.html
echo "build done"
