import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { EVALUATION, RUN_DIR, registryRepo, type RegistryRepo } from './registry-fixture.js'
import { cli } from './train-fixture.js'
import { extractRelease, rewriteReleaseFile } from '../registry/support/release-files.js'

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const ASSETS = ['SHA256SUMS', 'evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'run.json', 'spec.yaml']

describe('modelship registry with the local backend', () => {
  let repo: RegistryRepo
  // The published files, read out of the release's git ref (the local registry keeps them there).
  const release = () => extractRelease(repo.dir, 'churn@v0.0.1')
  before(async () => {
    repo = await registryRepo()
  })
  after(() => repo.remove())

  test('register: the latest local run and its evaluation become churn@v0.0.1, with every asset and its checksum', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    const lines = stdout.trimEnd().split('\n')
    assert.equal(lines[0], `Registered churn@v0.0.1 from commit ${repo.head.slice(0, 7)} in local repository ${repo.dir}`)
    assert.equal(lines[1], `  release  ${pathToFileURL(repo.dir).href}#refs/modelship/releases/churn@v0.0.1`)
    assert.deepEqual(lines.slice(2).map((line) => line.trim().split(/\s+/)[1]), ASSETS)
    for (const name of ASSETS) {
      const line = lines.find((l) => l.startsWith(`  asset    ${name} `))!
      assert.match(line, new RegExp(` ${readFileSync(join(release(), name)).length} bytes  sha256 ${sha256(join(release(), name))}$`))
    }
    assert.equal(sha256(join(release(), 'model.onnx')), sha256(join(repo.dir, RUN_DIR, 'model.onnx')))
    assert.ok(stderr.includes(`creating draft release churn@v0.0.1 for churn at ${repo.head.slice(0, 7)}\n`), stderr)
    assert.equal(repo.git('tag', '-l').trim(), 'churn@v0.0.1')
    assert.match(repo.git('tag', '-l', '-n1', 'churn@v0.0.1'), /Register churn v0\.0\.1/)
  })

  test('register again at the same commit changes nothing and says so', async () => {
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.startsWith(`Already registered: churn@v0.0.1 from commit ${repo.head.slice(0, 7)} in local repository ${repo.dir}\n`), stdout)
    assert.ok(stderr.includes(`churn at ${repo.head.slice(0, 7)} is already registered as churn@v0.0.1; nothing to do`))
    assert.equal(repo.git('tag', '-l').trim(), 'churn@v0.0.1')
  })

  test('register again uploads a lost asset of the published release from the same run, and says so', async () => {
    const card = readFileSync(join(release(), 'model-card.md'))
    rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'model-card.md', undefined)
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.startsWith(`Repaired churn@v0.0.1 from commit ${repo.head.slice(0, 7)} in local repository ${repo.dir} (uploaded again: model-card.md)\n`), stdout)
    assert.ok(stderr.includes('uploading asset model-card.md of churn@v0.0.1 again: it was missing; the local file matches the sha256 its version tag recorded\n'), stderr)
    assert.deepEqual(readFileSync(join(release(), 'model-card.md')), card)
    const line = stdout.split('\n').find((l) => l.startsWith('  asset    model-card.md '))
    assert.match(line ?? '', new RegExp(` ${card.length} bytes  sha256 ${sha256(join(release(), 'model-card.md'))}$`))
  })

  test('list, promote to a stage and from one stage to another, show, history', async () => {
    let result = await cli(['registry', 'list'], repo.dir)
    assert.equal(result.stdout, 'MODEL  LATEST  VERSIONS  STAGES\nchurn  v0.0.1  1         -\n')

    result = await cli(['registry', 'promote', 'churn@latest', 'staging'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn staging: none → v0.0.1 (tag churn#staging#2)\n')
    result = await cli(['registry', 'promote', 'churn#staging', 'production'], repo.dir)
    assert.equal(result.stdout, 'churn production: none → v0.0.1 (tag churn#production#3)\n')
    result = await cli(['registry', 'promote', 'churn@v0.0.1', 'production'], repo.dir)
    assert.equal(result.code, 0)
    assert.equal(result.stdout, 'churn production already points at v0.0.1; nothing to do\n')

    result = await cli(['registry', 'list'], repo.dir)
    assert.equal(result.stdout, 'MODEL  LATEST  VERSIONS  STAGES\nchurn  v0.0.1  1         production=v0.0.1 staging=v0.0.1\n')
    result = await cli(['registry', 'show', 'churn#production'], repo.dir)
    assert.equal(result.code, 0)
    const show = result.stdout.split('\n')
    assert.equal(show[0], 'churn@v0.0.1')
    assert.equal(show[1], `  commit      ${repo.head}`)
    assert.equal(show[2], '  stages      production, staging')
    assert.match(show[3]!, /^ {2}registered {2}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z by Registry Tester <registry@example\.com>$/)
    assert.equal(show[4], '  release     published')
    assert.equal(show[5], `  asset       SHA256SUMS  ${readFileSync(join(release(), 'SHA256SUMS')).length} bytes`)

    const json = await cli(['registry', 'show', 'churn@v0.0.1', '--json'], repo.dir)
    const details = JSON.parse(json.stdout) as { tag: string; lineage: { commit: string; assets: Record<string, string> } }
    assert.equal(details.tag, 'churn@v0.0.1')
    assert.equal(details.lineage.commit, repo.head)
    assert.equal(details.lineage.assets['model.onnx'], sha256(join(release(), 'model.onnx')))

    result = await cli(['registry', 'history', 'churn'], repo.dir)
    const rows = result.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}/))
    assert.deepEqual(rows[0], ['WHEN', 'EVENT', 'VERSION', 'STAGE', 'BY', 'RUN', 'NOTE'])
    assert.deepEqual(rows.slice(1).map((r) => r.slice(1)), [
      ['registered', 'v0.0.1', '-', 'Registry Tester', '-', '-'],
      ['assigned', 'v0.0.1', 'staging', 'Registry Tester', '-', '-'],
      ['assigned', 'v0.0.1', 'production', 'Registry Tester', '-', '-'],
    ])
  })

  test('download: every asset, verified, and sha256sum -c accepts the folder; one asset with --asset', async () => {
    const dir = join(repo.dir, 'downloads')
    const { code, stdout, stderr } = await cli(['registry', 'download', 'churn#production', '--dir', 'downloads'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.deepEqual(readdirSync(dir).sort(), ASSETS)
    const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })
    assert.equal(check, ASSETS.filter((a) => a !== 'SHA256SUMS').map((a) => `${a}: OK\n`).join(''))
    assert.ok(stdout.includes(`downloads/model.onnx  sha256 ${sha256(join(dir, 'model.onnx'))}  verified\n`), stdout)
    assert.ok(stdout.endsWith('Downloaded 6 assets of churn@v0.0.1; check them again with: cd downloads && sha256sum -c SHA256SUMS\n'), stdout)

    const one = await cli(['registry', 'download', 'churn@latest', '--asset', 'model.onnx', '--asset', 'spec.yaml', '--dir', 'one'], repo.dir)
    assert.equal(one.code, 0, one.stderr)
    assert.deepEqual(readdirSync(join(repo.dir, 'one')).sort(), ['model.onnx', 'spec.yaml'])
    assert.ok(one.stdout.endsWith('Downloaded 2 assets of churn@v0.0.1\n'))
  })

  test('a second commit registers v0.1.0 with --bump minor, warns that the run was trained elsewhere; demote takes a stage back', async () => {
    repo.write({ 'README.md': 'churn models\n' })
    const second = repo.commit('docs')
    const { code, stdout, stderr } = await cli(['registry', 'register', 'churn', '--bump', 'minor'], repo.dir)
    assert.equal(code, 0, stderr)
    assert.ok(stdout.startsWith(`Registered churn@v0.1.0 from commit ${second.slice(0, 7)} in local repository ${repo.dir}\n`))
    assert.ok(stderr.includes(`warning: run `) && stderr.includes(`was trained at commit ${repo.head.slice(0, 7)}, not ${second.slice(0, 7)} that is registered; train again to have them match\n`), stderr)
    assert.equal((await cli(['registry', 'promote', 'churn@v0.1.0', 'staging'], repo.dir)).stdout, 'churn staging: v0.0.1 → v0.1.0 (tag churn#staging#5)\n')
    const demoted = await cli(['registry', 'demote', 'churn#staging'], repo.dir)
    assert.equal(demoted.code, 0, demoted.stderr)
    assert.equal(demoted.stdout, 'churn staging: v0.1.0 taken out (tag churn#staging!#6)\n')
    const list = await cli(['registry', 'list', '--json'], repo.dir)
    assert.deepEqual(JSON.parse(list.stdout), [{ model: 'churn', latest: 'v0.1.0', versions: 2, stages: { production: 'v0.0.1', staging: 'v0.0.1' }, deprecated: false }])
  })

  test('bad input: unknown model, version or stage, a stage not in the spec, an explicit version taken: exit 1 with the fix', async () => {
    const second = repo.git('rev-parse', 'HEAD').trim()
    repo.write({ 'NOTES.md': 'notes\n' })
    const third = repo.commit('notes')
    const cases: Array<[string[], string]> = [
      [['registry', 'show', 'fraud'], `model 'fraud' has no versions in local repository ${repo.dir}; registered models: churn`],
      [['registry', 'show', 'churn@v9.9.9'], 'churn has no version v9.9.9; its versions: v0.1.0, v0.0.1'],
      [['registry', 'download', 'churn#canary'], 'churn has no version in stage \'canary\'; its stages: production, staging (promote one with modelship registry promote churn@<version> canary)'],
      [['registry', 'promote', 'churn@latest', 'canary'], "stage 'canary' is not a stage of churn in models/churn/model.yaml; its stages: staging, production (add it under deploy or register.protected-stages)"],
      [['registry', 'register', 'churn', '--version', 'v0.0.1', '--commit', second], `churn at ${second.slice(0, 7)} is already registered as churn@v0.1.0, so it cannot also be v0.0.1; one commit gets one version`],
      [['registry', 'register', 'churn', '--version', 'v0.0.1', '--commit', third], `tag churn@v0.0.1 already exists on commit ${repo.head.slice(0, 7)}, not on ${third.slice(0, 7)}; a version is never moved: register ${third.slice(0, 7)} without --version to get the next free version`],
      [['registry', 'register', 'churn', '--commit', 'no-such-branch'], `commit 'no-such-branch' was not found in local repository ${repo.dir}: pass a commit SHA, branch or tag that exists there (git log shows them)`],
      [['registry', 'download', 'churn@v0.0.1', '--asset', 'weights.bin', '--dir', 'x'], "churn@v0.0.1 has no asset 'weights.bin'; its assets: SHA256SUMS, evaluation.json, model-card.md, model.onnx, reference-profile.json, run.json, spec.yaml"],
    ]
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = await cli(argv, repo.dir)
      assert.equal(code, 1, `${argv.join(' ')}: ${stderr}`)
      assert.equal(stdout, '')
      const error = stderr.split('\n').find((line) => line.startsWith('modelship registry: '))
      assert.ok(error?.startsWith(`modelship registry: ${message}`), `${argv.join(' ')}:\n${stderr}`)
      assert.equal(stderr.includes('    at '), false, 'no stack trace')
    }
  })

  test('usage errors exit 2: unknown subcommand, missing argument, an option of another subcommand, --bump with --version', async () => {
    const cases: Array<[string[], string]> = [
      [['registry'], 'missing the subcommand: one of register, promote, demote, deregister, deprecate, list, show, history, download, check-ref'],
      [['registry', 'promot'], "unknown subcommand 'promot': expected one of register, promote, demote, deregister, deprecate, list, show, history, download, check-ref; did you mean 'promote'?"],
      [['registry', 'promote', 'churn@latest'], 'missing <stage>: modelship registry promote <ref> <stage>'],
      [['registry', 'list', 'churn'], "too many arguments: 'churn'; modelship registry list"],
      [['registry', 'list', '--asset', 'model.onnx'], "option '--asset' does not apply to 'registry list'; it belongs to registry download"],
      [['registry', 'register', 'churn', '--bump', 'minor', '--version', 'v2.0.0'], '--bump minor and --version v2.0.0 exclude each other: give one'],
      [['registry', 'register', 'churn', '--bump', 'huge'], "option '--bump' must be one of patch, minor, major; got 'huge'"],
      [['registry', 'show', 'Churn!'], "'Churn!' is not a model reference: expected <model>, <model>@latest, <model>@v1.2.3 or <model>#<stage>, e.g. churn#production"],
      [['registry', 'demote', 'churn@v0.0.1'], "'churn@v0.0.1' names no stage: expected <model>#<stage>, e.g. churn#staging"],
      [['registry', 'promote', 'fraud@latest', 'staging'], `model 'fraud' has no spec: models/fraud/model.yaml does not exist in ${repo.dir}. Models there: churn, churn-as-regression, churn-failing, churn-gpu.`],
    ]
    for (const [argv, message] of cases) {
      const { code, stderr } = await cli(argv, repo.dir)
      assert.equal(code, 2, `${argv.join(' ')}: ${stderr}`)
      assert.ok(stderr.startsWith(`modelship registry: ${message}`), `${argv.join(' ')}:\n${stderr}`)
      assert.ok(stderr.includes('Usage: modelship registry <subcommand> [arguments] [options]'))
    }
  })

  test('a tampered asset fails the download with both checksums and leaves no partial file', async () => {
    const original = readFileSync(join(release(), 'model.onnx'))
    const tampered = Buffer.from(original)
    tampered[tampered.length - 1] = 0xff ^ original[original.length - 1]!
    rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'model.onnx', tampered)
    try {
      const { code, stderr } = await cli(['registry', 'download', 'churn@v0.0.1', '--asset', 'model.onnx', '--dir', 'tampered'], repo.dir)
      assert.equal(code, 1)
      assert.equal(
        stderr,
        `modelship registry: checksum mismatch for model.onnx of churn@v0.0.1: its version tag recorded ${createHash('sha256').update(original).digest('hex')}, the download is ${createHash('sha256').update(tampered).digest('hex')}; the partial file was removed. The asset was changed or damaged after registration: download again, and if it persists run modelship registry register churn --commit ${repo.head.slice(0, 7)} with the registered run's files, which uploads it again\n`,
      )
      assert.deepEqual(readdirSync(join(repo.dir, 'tampered')), [])
    } finally {
      rewriteReleaseFile(repo.dir, 'churn@v0.0.1', 'model.onnx', original)
    }
  })

  test('deregister withdraws a version and deprecate marks the model, each by a tag; reruns say so and exit 0; bad input exits 1 or 2', async () => {
    let result = await cli(['registry', 'deregister', 'churn@v0.1.0', '--message', 'trained on the wrong split'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn v0.1.0 deregistered (tag churn@v0.1.0!); its release churn@v0.1.0 and assets stay, as GTO keeps history\nchurn@latest is now v0.0.1\n')
    assert.equal(result.stderr, '')
    assert.equal(repo.git('tag', '-l', '-n1', 'churn@v0.1.0!').trim().replace(/\s+/, ' '), 'churn@v0.1.0! Deregister churn v0.1.0: trained on the wrong split')
    assert.equal(repo.git('rev-parse', 'churn@v0.1.0!^{commit}'), repo.git('rev-parse', 'churn@v0.1.0^{commit}'))
    assert.ok(existsSync(join(extractRelease(repo.dir, 'churn@v0.1.0'), 'model.onnx')), 'the release stays')
    result = await cli(['registry', 'deregister', 'churn@v0.1.0'], repo.dir)
    assert.deepEqual([result.code, result.stdout], [0, 'churn v0.1.0 is already deregistered (tag churn@v0.1.0!); nothing to do\n'])

    result = await cli(['registry', 'deprecate', 'churn', '--message', 'replaced by churn-v2'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn deprecated (tag churn@deprecated#8 on the commit of v0.1.0); its versions, releases and stages stay; any later registry tag (a registration, stage move or withdrawal) ends the deprecation, as in GTO\n')
    assert.equal(
      result.stderr,
      'warning: churn is deprecated but its stages still point at versions: production=v0.0.1, staging=v0.0.1; empty each one that should no longer serve it with modelship registry demote churn#production\n',
    )
    result = await cli(['registry', 'deprecate', 'churn'], repo.dir)
    assert.deepEqual([result.code, result.stdout], [0, 'churn is already deprecated (tag churn@deprecated#8); nothing to do\n'])
    assert.equal((await cli(['registry', 'list'], repo.dir)).stdout, 'MODEL               LATEST  VERSIONS  STAGES\nchurn (deprecated)  v0.0.1  1         production=v0.0.1 staging=v0.0.1\n')

    result = await cli(['registry', 'deregister', 'churn@v0.0.1'], repo.dir)
    assert.equal(result.code, 0, result.stderr)
    assert.equal(result.stdout, 'churn v0.0.1 deregistered (tag churn@v0.0.1!); its release churn@v0.0.1 and assets stay, as GTO keeps history\nchurn@latest is now none: no active version is left\n')
    assert.equal(
      result.stderr,
      'warning: churn v0.0.1 was in production, staging; with it withdrawn, production now points at no version, staging now points at no version. Promote the version each should serve (modelship registry promote churn@<version> production) or empty it (modelship registry demote churn#production)\n',
    )
    const history = JSON.parse((await cli(['registry', 'history', 'churn', '--json'], repo.dir)).stdout) as Array<{ type: string; tag: string }>
    assert.deepEqual(history.filter((h) => h.type === 'deregistered' || h.type === 'deprecated').map((h) => h.tag).sort(), ['churn@deprecated#8', 'churn@v0.0.1!', 'churn@v0.1.0!'])

    const failures: Array<[string[], number, string]> = [
      [['registry', 'deregister', 'churn@v9.9.9'], 1, 'churn has no version v9.9.9; its versions: none active'],
      [['registry', 'deregister', 'fraud@v0.0.1'], 1, `model 'fraud' has no versions in local repository ${repo.dir}; registered models: churn`],
      [['registry', 'deregister', 'churn#production'], 2, "'churn#production' names no version: expected <model>@vX.Y.Z, e.g. churn@v0.0.1 (a withdrawal names its exact version)"],
      [['registry', 'deprecate', 'churn@v0.0.1'], 2, "'churn@v0.0.1' is not a model name"],
      [['registry', 'deprecate'], 2, 'missing <model>: modelship registry deprecate <model> [--message TEXT]'],
      [['registry', 'deprecate', 'churn', '--json'], 2, "option '--json' does not apply to 'registry deprecate'; it belongs to registry list, show, history, check-ref"],
      [['registry', 'list', '--message', 'x'], 2, "option '--message' does not apply to 'registry list'; it belongs to registry deregister, deprecate"],
    ]
    for (const [argv, code, message] of failures) {
      const run = await cli(argv, repo.dir)
      assert.equal(run.code, code, `${argv.join(' ')}: ${run.stderr}`)
      assert.equal(run.stdout, '')
      assert.ok(run.stderr.startsWith(`modelship registry: ${message}`), `${argv.join(' ')}:\n${run.stderr}`)
      assert.equal(run.stderr.includes('    at '), false, 'no stack trace')
    }
    assert.deepEqual(repo.git('tag', '-l').trim().split('\n').sort(), ['churn#production#3', 'churn#staging!#6', 'churn#staging#2', 'churn#staging#5', 'churn@deprecated#8', 'churn@v0.0.1', 'churn@v0.0.1!', 'churn@v0.1.0', 'churn@v0.1.0!'])
  })

  test('registry --help lists deregister and deprecate', async () => {
    const { code, stdout } = await cli(['registry', '--help'], repo.dir)
    assert.equal(code, 0)
    assert.ok(stdout.includes("  deregister <model@vX.Y.Z> [--message TEXT]\n      withdraw a version with the tag <model>@vX.Y.Z! (GTO's deregistration); its release and assets stay\n"), stdout)
    assert.ok(stdout.includes('  deprecate <model> [--message TEXT]\n      mark the whole model deprecated with the tag <model>@deprecated#N; versions, releases and stages stay\n'), stdout)
  })
})

describe('modelship registry register: what it needs first', () => {
  test('no training run, no evaluation, a failed evaluation: exit 1 with the command that fixes it, and no tag', async () => {
    const repo = await registryRepo({ gate: '{ metric: roc_auc, threshold: 0.99 }' })
    try {
      let result = await cli(['registry', 'register', 'churn'], repo.dir)
      assert.equal(result.code, 1)
      assert.equal(
        result.stderr,
        `modelship registry: the evaluation of churn in ${EVALUATION} did not pass (1 of 1 checks failed: threshold on roc_auc); only a model that passed its evaluation is registered: improve the model, train and evaluate again\n`,
      )
      rmSync(join(repo.dir, EVALUATION))
      // evaluate also kept the evaluation with the run: without both, register has none.
      rmSync(join(repo.dir, '.modelship/runs/churn', readdirSync(join(repo.dir, '.modelship/runs/churn'))[0]!, 'evaluation.json'))
      result = await cli(['registry', 'register', 'churn'], repo.dir)
      assert.equal(
        result.stderr,
        `modelship registry: the run in ${RUN_DIR} has no evaluation.json; evaluate it first with modelship evaluate churn --champion registry, or pass --evaluation <file>\n`,
      )
      result = await cli(['registry', 'register', 'churn-gpu'], repo.dir)
      assert.equal(
        result.stderr,
        'modelship registry: churn-gpu has no local training run (.modelship/outputs/churn-gpu does not exist); train it first with modelship train churn-gpu, or pass --run <dir>\n',
      )
      result = await cli(['registry', 'register', 'churn', '--run', 'runs/nowhere'], repo.dir)
      assert.equal(result.stderr, "modelship registry: the run folder runs/nowhere does not exist; pass the folder that modelship train (or actions/train's output-dir) wrote\n")
      assert.equal(repo.git('tag', '-l'), '')
      assert.equal(existsSync(join(repo.dir, '.modelship/registry')), false)
    } finally {
      repo.remove()
    }
  })
})
