#!/bin/sh
# The project's test command (`npm test`, named in README.md and run by .ci/run):
# installs what the tests need, then type-checks, lints and runs the whole vitest suite,
# and ends with one plain line "N passed, N failed" (vitest's JSON report, summed).
set -eu
cd "$(dirname "$0")/.."
sh scripts/ensure-deps.sh test
# typecheck and lint side by side (tsc uses one core, eslint a little more): about 40 s sooner
# than one after the other on two cores. Each one's output is printed whole, in this order.
checks=$(mktemp -d)
npx tsc -p tsconfig.json >"$checks/typecheck" 2>&1 & typecheck=$!
npm run -s lint >"$checks/lint" 2>&1 & lint=$!
failed=""
wait $typecheck || failed="$failed typecheck"
wait $lint || failed="$failed lint"
echo "== typecheck"; cat "$checks/typecheck"
echo "== lint"; cat "$checks/lint"
rm -rf "$checks"
if [ -n "$failed" ]; then echo "failed:$failed" >&2; exit 1; fi
echo "== tests"
report=$(mktemp)
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  // A file that fails before its tests run (a beforeAll, an import) marks them skipped: count
  // each such file as one failure, so the line never says "0 failed" for a red run.
  const brokenFiles = r.testResults.filter((f) => f.status === "failed" && f.assertionResults.every((a) => a.status !== "failed")).length;
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests + brokenFiles} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || status=1
rm -f "$report"
exit $status
