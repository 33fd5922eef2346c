#!/bin/sh
# `npm start`: the demo. Installs npm packages if needed, then runs the virtual building.
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh run
exec npx tsx scripts/demo.ts "$@"
