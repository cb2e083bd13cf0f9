#!/bin/sh
# Serves dist/ on $PORT; /healthz answers 200 once the server is up.
set -eu
exec python3 app/server.py "${PORT:?PORT is not set}"
