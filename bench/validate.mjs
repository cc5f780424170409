// Times the bundled validate action over example-repo as a whole process, the way a runner starts
// it (node dist/actions/validate.mjs with INPUT_* and GITHUB_* set), beside `node -e ''` as the
// floor, alternating the two so machine load hits both alike. Prints both medians and the ratio.
//
// Usage: npm run build && node bench/validate.mjs [runs=21] [node binary=this node]
// Goal: median under 300 ms and within 4x of the floor.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const runs = Number(process.argv[2] ?? 21)
const node = process.argv[3] ? resolve(process.argv[3]) : process.execPath
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
  'INPUT_CHANGED-SINCE': '',
}

function time(args, cwd) {
  const start = process.hrtime.bigint()
  const result = spawnSync(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  return ms
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const action = join(root, 'dist/actions/validate.mjs')
const floor = []
const validate = []
try {
  time([action], env.GITHUB_WORKSPACE) // warm the file cache once, not counted
  for (let i = 0; i < runs; i++) {
    floor.push(time(['-e', ''], root))
    validate.push(time([action], env.GITHUB_WORKSPACE))
  }
} finally {
  rmSync(temp, { recursive: true, force: true })
}
const floorMs = median(floor)
const validateMs = median(validate)
console.log(`node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()}, ${runs} runs each`)
console.log(`floor    node -e ''                     median ${floorMs.toFixed(1)} ms`)
console.log(`validate dist/actions/validate.mjs     median ${validateMs.toFixed(1)} ms`)
console.log(`ratio    ${(validateMs / floorMs).toFixed(2)}x (goal: under 300 ms and within 4x)`)
