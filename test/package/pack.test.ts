// The npm package as a consumer gets it: `npm pack` of this checkout (dist/ as committed), installed
// offline into an empty folder and globally into an empty prefix, with an empty npm cache, no
// .npmrc and none of the npm settings of the `npm test` that runs this. The bundled CLI carries every
// dependency and onnxruntime's native library, so the package has no dependencies and installing it
// runs no script (onnxruntime-node's would download CUDA libraries).
import assert from 'node:assert/strict'
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'

const temp = mkdtempSync(join(tmpdir(), 'modelship-pack-'))
after(() => rmSync(temp, { recursive: true, force: true }))

const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version
/** npm as the running `npm test` found it, else the one on PATH. */
const NPM = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm']

/**
 * A consumer's environment: node first on PATH, a HOME of its own (no ~/.npmrc), no npm_* settings
 * inherited from the npm that runs the tests, and an npm cache that starts empty.
 */
const consumerEnv: NodeJS.ProcessEnv = {
  PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
  HOME: join(temp, 'home'),
  npm_config_cache: join(temp, 'npm-cache'),
  npm_config_update_notifier: 'false',
}
mkdirSync(join(temp, 'home'))

function npm(args: string[], cwd: string): SpawnSyncReturns<string> {
  const [command, ...rest] = NPM as [string, ...string[]]
  return spawnSync(command, [...rest, ...args], { cwd, env: consumerEnv, encoding: 'utf8' })
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  assert.equal(result.error, undefined, `${what}: ${result.error?.message}`)
  assert.equal(result.status, 0, `${what} exited ${result.status}:\n${result.stdout}\n${result.stderr}`)
  return result.stdout
}

let tarball: string
let packed: { filename: string; files: { path: string }[] }

before(
  () => {
    const packDir = join(temp, 'packed')
    mkdirSync(packDir)
    const stdout = ok(npm(['pack', '--json', '--pack-destination', packDir], REPO_ROOT), 'npm pack')
    ;[packed] = JSON.parse(stdout) as [typeof packed]
    tarball = join(packDir, packed.filename)
  },
  { timeout: 600_000 },
)

describe('the npm package', () => {
  test('holds the bundled CLI and its batch worker, onnxruntime for linux x64, the README and package.json, and nothing else', () => {
    assert.deepEqual(packed.files.map((file) => file.path).sort(), [
      'README.md',
      // batch-score's worker threads start from it (package.json files; present once dist/ is rebuilt).
      'dist/batch-worker.cjs',
      'dist/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'dist/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'dist/cli.cjs',
      'package.json',
    ])
  })

  describe('installed offline into an empty folder', () => {
    const consumer = join(temp, 'consumer')
    const modelship = join(consumer, 'node_modules/.bin/modelship')

    before(
      () => {
        mkdirSync(consumer)
        ok(npm(['install', '--offline', '--no-audit', '--no-fund', tarball], consumer), 'npm install --offline')
      },
      { timeout: 300_000 },
    )

    test('brings in the package alone: no dependencies, no install scripts, the modelship command', () => {
      assert.deepEqual(readdirSync(join(consumer, 'node_modules')).filter((name) => !name.startsWith('.')), ['modelship'])
      const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/modelship/package.json'), 'utf8')) as Record<string, unknown>
      assert.equal(manifest.dependencies, undefined)
      assert.equal(manifest.optionalDependencies, undefined)
      assert.equal(manifest.bundleDependencies, undefined)
      const scripts = Object.keys((manifest.scripts ?? {}) as object)
      for (const hook of ['preinstall', 'install', 'postinstall', 'prepare']) assert.ok(!scripts.includes(hook), `a ${hook} script`)
      assert.deepEqual(manifest.bin, { modelship: 'dist/cli.cjs' })
    })

    test('modelship --version prints the package version', () => {
      assert.equal(ok(spawnSync(modelship, ['--version'], { cwd: consumer, env: consumerEnv, encoding: 'utf8' }), 'modelship --version'), `${VERSION}\n`)
    })

    test('modelship validate, run from inside a consumer repository, checks its specs', () => {
      const repo = join(temp, 'example-repo')
      cpSync(join(REPO_ROOT, 'example-repo'), repo, { recursive: true, filter: (source) => !/[\\/](\.modelship|\.venv|__pycache__)$/.test(source) })
      const stdout = ok(spawnSync(modelship, ['validate'], { cwd: repo, env: consumerEnv, encoding: 'utf8' }), 'modelship validate')
      assert.match(stdout, /^valid: 2 models, 2 environments$/m)
    })

    test('modelship train trains a model and checks model.onnx with the bundled onnxruntime', () => {
      const repo = join(temp, 'train-repo')
      cpSync(join(REPO_ROOT, 'test/fixtures/train-repo'), repo, { recursive: true })
      const result = spawnSync(modelship, ['train', 'churn'], { cwd: repo, env: consumerEnv, encoding: 'utf8' })
      assert.match(ok(result, 'modelship train churn'), /^Trained churn in /m)
      // The progress log (stderr) says the model was loaded and checked against the spec.
      assert.match(result.stderr, /^model\.onnx loads and fits models\/churn\/model\.yaml: one input per feature \(4\); outputs 'label' and 'probabilities'$/m)
      for (const file of ['model.onnx', 'metrics.json', 'run.json']) assert.ok(existsSync(join(repo, '.modelship/outputs/churn', file)), file)
    })
  })

  test('installs globally (npm install -g) as the modelship command', { timeout: 300_000 }, () => {
    const prefix = join(temp, 'global')
    ok(npm(['install', '--global', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, tarball], temp), 'npm install -g --offline')
    const result = spawnSync(join(prefix, 'bin/modelship'), ['--version'], { cwd: temp, env: consumerEnv, encoding: 'utf8' })
    assert.equal(ok(result, 'modelship --version'), `${VERSION}\n`)
  })
})
