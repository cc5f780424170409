import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { NATIVE_DIR, build, bundle, findEntries } from '../../scripts/build.mjs'
import { NODE_BINARIES, REPO_ROOT } from '../support/run-action.js'

const temp = mkdtempSync(join(tmpdir(), 'modelship-build-'))
after(() => rmSync(temp, { recursive: true, force: true }))

/** The smoke bundle at both depths dist/ holds bundles at: actions/ (the actions) and the top (the CLI). */
const SMOKE_ENTRIES = [
  { name: 'ort-smoke', out: 'actions/ort-smoke.cjs', entry: 'test/fixtures/bundle/ort-smoke.ts' },
  { name: 'ort-smoke', out: 'ort-smoke.cjs', entry: 'test/fixtures/bundle/ort-smoke.ts' },
]

test('a bundle that imports onnxruntime-node runs a model from a clean copy of dist/ with no node_modules', async () => {
  const outdir = join(temp, 'built/dist')
  await build({ outdir, entries: SMOKE_ENTRIES })
  // The "downloaded repository": only dist/ and a model, far from any node_modules.
  const clean = join(temp, 'clean')
  cpSync(outdir, join(clean, 'dist'), { recursive: true })
  copyFileSync(join(REPO_ROOT, 'test/fixtures/bundle/add-one.onnx'), join(clean, 'add-one.onnx'))
  for (const node of Object.values(NODE_BINARIES)) {
    for (const { out } of SMOKE_ENTRIES) {
      const result = spawnSync(node, [join(clean, 'dist', out), join(clean, 'add-one.onnx')], { cwd: clean, encoding: 'utf8' })
      assert.equal(result.status, 0, `${out}: ${result.stderr}`)
      assert.deepEqual(JSON.parse(result.stdout), { inputs: ['x'], y: [2, 3.5] })
    }
  }
})

test('without the native folder the bundle fails on loading the binding, not earlier', async () => {
  const outdir = join(temp, 'nonative/dist')
  await build({ outdir, entries: SMOKE_ENTRIES })
  rmSync(join(outdir, 'bin'), { recursive: true })
  for (const { out } of SMOKE_ENTRIES) {
    const result = spawnSync(process.execPath, [join(outdir, out), 'x.onnx'], { encoding: 'utf8' })
    assert.notEqual(result.status, 0)
    assert.match(
      result.stderr,
      new RegExp(`Error: onnxruntime's native binding is missing: expected ${outdir}/bin/napi-v6/linux/x64/onnxruntime_binding\\.node; ship dist/ whole \\(npm run build makes dist/bin\\)`),
    )
  }
})

test('a bundle loads @actions/cache, whose ES module dependencies read import.meta.url', async () => {
  const outdir = join(temp, 'cache/dist')
  await build({ outdir, entries: [{ name: 'cache-smoke', out: 'actions/cache-smoke.cjs', entry: 'test/fixtures/bundle/actions-cache-smoke.ts' }] })
  const result = spawnSync(process.execPath, [join(outdir, 'actions/cache-smoke.cjs')], { cwd: temp, encoding: 'utf8' })
  assert.equal(result.stderr, '')
  assert.deepEqual(JSON.parse(result.stdout), { restoreCache: 'function', saveCache: 'function' })
})

test('the CLI loads onnxruntime only for the commands that run a model: help and validate start without it', async () => {
  const outdir = join(temp, 'cli-nonative/dist')
  await build({ outdir, entries: [{ name: 'cli', out: 'cli.cjs', entry: 'src/cli/main.ts' }] })
  // Without the native folder, any command that loaded onnxruntime at start-up would fail.
  rmSync(join(outdir, 'bin'), { recursive: true })
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(outdir, 'cli.cjs'), ...args], { cwd: REPO_ROOT, encoding: 'utf8' })
  const help = cli('--help')
  assert.equal(help.status, 0, help.stderr)
  assert.match(help.stdout, /validate/)
  const validate = cli('validate', 'example-repo')
  assert.equal(validate.stderr, '')
  assert.equal(validate.stdout, 'valid: 2 models, 2 environments\n')
  assert.equal(validate.status, 0)
  const evaluate = cli('evaluate', 'churn', '--path', 'example-repo', '--candidate', 'test/fixtures/bundle/add-one.onnx')
  assert.equal(evaluate.status, 1)
  assert.match(evaluate.stderr, /onnxruntime's native binding is missing/)
})

test('bundles are deterministic and carry no absolute path of the checkout', async () => {
  const first = await bundle()
  const second = await bundle()
  assert.deepEqual([...first.keys()].sort(), [...second.keys()].sort())
  for (const [path, bytes] of first) {
    assert.equal(Buffer.compare(bytes, second.get(path) as Uint8Array), 0, `${path} differs between two builds`)
    if (/\.[mc]js$/.test(path)) assert.ok(!Buffer.from(bytes).toString('utf8').includes(REPO_ROOT), `${path} contains ${REPO_ROOT}`)
  }
  assert.ok(first.has(`${NATIVE_DIR}/onnxruntime_binding.node`))
  assert.ok(first.has(`${NATIVE_DIR}/libonnxruntime.so.1`))
})

test('every action is bundled, and its action.yml runs the bundle on node24 from the shared dist/', async () => {
  const entries = await findEntries()
  const actions = entries.filter((e) => e.out.startsWith('actions/'))
  assert.ok(actions.some((e) => e.name === 'validate'))
  for (const entry of actions) {
    const manifest = parseYaml(readFileSync(join(REPO_ROOT, 'actions', entry.name, 'action.yml'), 'utf8')) as { runs: { using: string; main: string } }
    assert.deepEqual(manifest.runs, { using: 'node24', main: `../../dist/${entry.out}` })
  }
  const cli = readFileSync(join(REPO_ROOT, 'dist/cli.cjs'), 'utf8')
  assert.ok(cli.startsWith('#!/usr/bin/env node\n'))
  const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  assert.deepEqual(packageJson.bin, { modelship: 'dist/cli.cjs' })
})
