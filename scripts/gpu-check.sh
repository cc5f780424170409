#!/bin/sh
# Checks the bundled train action on a machine with a real NVIDIA GPU: prints nvidia-smi, then runs
# dist/actions/train.cjs the way a runner does (INPUT_* variables, GITHUB_* files) on a copy of the
# fixture repository test/fixtures/train-repo, training its `churn-gpu` model (accelerator nvidia-gpu,
# one GPU; the training command copies a fixture ONNX model and sleeps so the GPU sampler gets
# readings), and prints the step outputs, the job summary and the GPU section of run.json.
#
# Needs only node (20 or later) and the committed dist/ and test fixtures: no npm install, no network.
# Exit 0 when the action succeeded and run.json holds at least one sampled GPU; 1 otherwise.
#
# Usage (from anywhere):  sh scripts/gpu-check.sh
# Environment:            NODE               node binary to run the action with (default: node on PATH)
#                         GPU_CHECK_SECONDS  how long the training command sleeps (default 5)
#                         GPU_CHECK_INTERVAL seconds between GPU samples (default 1)
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
node=${NODE:-node}
seconds=${GPU_CHECK_SECONDS:-5}
interval=${GPU_CHECK_INTERVAL:-1}

fail() {
  echo "gpu-check: $*" >&2
  exit 1
}

command -v "$node" >/dev/null 2>&1 || fail "no '$node' on PATH; install Node 20 or later, or set NODE"
[ -f "$root/dist/actions/train.cjs" ] || fail "$root/dist/actions/train.cjs is missing; run npm run build"
[ -d "$root/test/fixtures/train-repo" ] || fail "$root/test/fixtures/train-repo is missing"

echo "== nvidia-smi"
nvidia-smi --query-gpu=index,name,driver_version,memory.total,memory.used,utilization.gpu --format=csv ||
  fail "nvidia-smi failed: this machine has no working NVIDIA GPU and driver"
# The full status table too, for the person reading; the query above is what decides.
nvidia-smi 2>/dev/null || true

work=$(mktemp -d "${TMPDIR:-/tmp}/modelship-gpu-check.XXXXXX") || fail "cannot make a temporary folder"
trap 'rm -rf "$work"' EXIT
cp -R "$root/test/fixtures/train-repo" "$work/repo" || fail "cannot copy the fixture repository"
: >"$work/output"
: >"$work/summary"

echo
echo "== train action ($("$node" --version)): model churn-gpu, sleeping ${seconds}s, sampling every ${interval}s"
(
  cd "$work/repo" &&
    env -u TRAIN_FIXTURE_WAIT_SAMPLES -u CUDA_VISIBLE_DEVICES -u ACTIONS_CACHE_URL -u ACTIONS_RESULTS_URL \
      GITHUB_ACTIONS=true \
      GITHUB_WORKSPACE="$work/repo" \
      GITHUB_OUTPUT="$work/output" \
      GITHUB_STEP_SUMMARY="$work/summary" \
      RUNNER_TEMP="$work" \
      INPUT_MODEL=churn-gpu \
      INPUT_PATH=. \
      INPUT_CACHE=false \
      "INPUT_GPU-SAMPLE-INTERVAL=$interval" \
      TRAIN_FIXTURE_SLEEP_SECONDS="$seconds" \
      "$node" "$root/dist/actions/train.cjs"
)
status=$?

echo
echo "== step outputs"
cat "$work/output"
echo
echo "== job summary"
cat "$work/summary"
echo

record="$work/repo/.modelship/outputs/churn-gpu/run.json"
[ "$status" -eq 0 ] || fail "the train action failed (exit $status); its error is in the log above"
[ -f "$record" ] || fail "the action succeeded but wrote no $record"

echo "== run.json gpu"
# shellcheck disable=SC2016 # JavaScript, not shell: its ${...} are template literals
"$node" -e '
const record = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"))
console.log(JSON.stringify(record.gpu, null, 2))
const sampled = (record.gpu?.devices ?? []).filter((device) => device.samples > 0)
if (sampled.length === 0) {
  console.error("gpu-check: run.json has no sampled GPU")
  process.exit(1)
}
for (const d of sampled) {
  const u = d.utilizationPercent, m = d.memoryUsedMiB
  console.log(`gpu-check: OK: GPU ${d.index} ${d.name} (driver ${d.driverVersion}), ${d.samples} samples, utilization peak ${u ? u.peak : "n/a"}% mean ${u ? u.mean.toFixed(1) : "n/a"}%, memory peak ${m ? m.peak : "n/a"} of ${d.memoryTotalMiB} MiB`)
}
' "$record"
