#!/bin/sh
# "Builds" the app: renders the page with the commit it was built from.
set -eu
echo "building app for ${SLIPWAY_ENV:-local} at ${SLIPWAY_SHA:-unknown}"
mkdir -p dist
sed "s/@SHA@/${SLIPWAY_SHA:-unknown}/; s/@ENV@/${SLIPWAY_ENV:-local}/" app/index.html > dist/index.html
echo "build done"
