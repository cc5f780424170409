// GTO interop: the real GTO (PyPI `gto==1.10.1`) writes tags that Modelship reads, and reads the
// tags Modelship writes, and both must tell the same story: latest versions, stages, deprecation,
// history. Runs only where GTO is importable (`pip install gto==1.10.1`; MODELSHIP_GTO_PYTHON names
// the interpreter, default python3); elsewhere it is skipped with the reason.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { LocalRegistryBackend } from '../../src/registry/local-backend.js'
import { listModels, modelHistory, resolveVersion, showVersion } from '../../src/registry/lookup.js'
import { formatVersionDetails } from '../../src/registry/format.js'
import { demote, promote } from '../../src/registry/promote.js'
import { register } from '../../src/registry/register.js'
import { deprecate, deregister } from '../../src/registry/withdraw.js'
import { collectingLog, createScratchRepo, GIT_ENV, writeAssets, type ScratchRepo } from './support/registry-fixture.js'

const PYTHON = process.env.MODELSHIP_GTO_PYTHON?.trim() || 'python3'
const probe = spawnSync(PYTHON, ['-c', 'import gto, importlib.metadata as m; print(m.version("gto"))'], { encoding: 'utf8' })
const gtoVersion = probe.status === 0 ? probe.stdout.trim() : undefined
const skip = gtoVersion === undefined ? `gto is not importable by ${PYTHON} (pip install gto==1.10.1, or set MODELSHIP_GTO_PYTHON): GTO interop not checked` : false

/** GTO's own command line, run through its typer app (the package has no __main__). */
function gto(repo: ScratchRepo, args: string[]): string {
  return execFileSync(PYTHON, ['-c', 'import sys; from gto.cli import app; sys.argv[0] = "gto"; app()', ...args], { cwd: repo.dir, env: GIT_ENV, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

/**
 * A GTO write in a later second than the one before it. GTO stamps tags with the clock (it ignores
 * GIT_COMMITTER_DATE) and orders tags of one second by listing order, so the story is only
 * well defined when writes do not share a second; this waits on the clock, not for a fixed time.
 */
let lastWrite = 0
async function gtoWrite(repo: ScratchRepo, args: string[]): Promise<void> {
  const next = (Math.floor(lastWrite / 1000) + 1) * 1000
  while (Date.now() < next) await new Promise((done) => setTimeout(done, next - Date.now()))
  gto(repo, args)
  lastWrite = Date.now()
}

type GtoShow = Record<string, { version: string | null; stage: Record<string, string>; registered: boolean; active: boolean }>
type GtoEvent = { event: string; ref: string; version: string; stage: string | null }

function showAll(repo: ScratchRepo): GtoShow {
  const shown = JSON.parse(gto(repo, ['show', '--json', '--deprecated'])) as GtoShow
  // GTO lists every stage of the whole registry under each model, null where the model has none.
  for (const model of Object.values(shown)) model.stage = Object.fromEntries(Object.entries(model.stage).filter(([, v]) => v !== null))
  return shown
}
const gtoHistory = (repo: ScratchRepo, model: string) =>
  (JSON.parse(gto(repo, ['history', model, '--json'])) as GtoEvent[]).map((e) => `${e.event} ${e.ref}`).sort()
const GTO_EVENT: Record<string, string> = { registered: 'registration', deregistered: 'deregistration', assigned: 'assignment', unassigned: 'unassignment', deprecated: 'deprecation' }

describe(`GTO ${gtoVersion ?? '(not installed)'} writes, Modelship reads`, { skip }, () => {
  let repo: ScratchRepo
  let backend: LocalRegistryBackend
  let bare: string
  before(async () => {
    repo = createScratchRepo('modelship-gto-')
    backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const c1 = repo.commit('one')
    const c2 = repo.commit('two')
    bare = repo.commit('three')
    await gtoWrite(repo, ['register', 'churn_v2', c1, '--version', 'v0.1.0'])
    await gtoWrite(repo, ['register', 'Churn', c1])
    await gtoWrite(repo, ['assign', 'churn_v2', '--version', 'v0.1.0', '--stage', 'prod_eu'])
    await gtoWrite(repo, ['register', 'churn_v2', c2, '--version', 'v0.2.0'])
    await gtoWrite(repo, ['assign', 'churn_v2', '--version', 'v0.2.0', '--stage', 'prod_eu'])
    await gtoWrite(repo, ['assign', 'churn_v2', '--version', 'v0.1.0', '--stage', 'staging'])
    await gtoWrite(repo, ['deprecate', 'Churn'])
    // A deprecation that a later deregistration ends (GTO: any later event does).
    await gtoWrite(repo, ['register', 'gone', c1, '--version', 'v1.0.0'])
    await gtoWrite(repo, ['register', 'gone', c2, '--version', 'v1.1.0'])
    await gtoWrite(repo, ['deprecate', 'gone'])
    await gtoWrite(repo, ['deprecate', 'gone', 'v1.1.0'])
    // A stage on a commit no version was registered on.
    await gtoWrite(repo, ['assign', 'bare', bare, '--stage', 'prod', '--sr'])
  })
  after(() => repo.remove())

  it('lists every model GTO shows, with the same latest version, stages and deprecation', async () => {
    const warnings: string[] = []
    const ours = new Map((await listModels(backend, { warn: (m) => warnings.push(m) })).map((m) => [m.model, m]))
    const theirs = showAll(repo)
    assert.deepEqual([...ours.keys()].sort(), Object.keys(theirs).sort())
    for (const [model, g] of Object.entries(theirs)) {
      const m = ours.get(model)!
      assert.equal(m.deprecated, !g.active, `${model}: deprecated`)
      if (model === 'bare') {
        // GTO stages the bare commit itself; Modelship stages only versions and says so (below).
        assert.deepEqual([m.latest, m.stages, g.stage], [undefined, {}, { prod: bare }])
        continue
      }
      assert.equal(m.latest, g.version ?? undefined, `${model}: latest`)
      assert.deepEqual(m.stages, g.stage, `${model}: stages`)
    }
    assert.deepEqual(warnings, [])
  })

  it('history has the same events as GTO for each model', async () => {
    for (const model of ['churn_v2', 'Churn', 'gone', 'bare']) {
      const ours = (await modelHistory(backend, model)).map((e) => `${GTO_EVENT[e.type]} ${e.tag}`).sort()
      assert.deepEqual(ours, gtoHistory(repo, model), model)
    }
  })

  it('show says a GTO-made version was registered outside Modelship, and what a stage on a bare commit is', async () => {
    const text = formatVersionDetails(await showVersion(backend, 'churn_v2#prod_eu'))
    assert.match(text, /^churn_v2@v0\.2\.0\n/)
    assert.match(text, /\n {2}release {5}none: registered outside Modelship \(e\.g\. by gto register\), so it has no release or assets\n/)
    await assert.rejects(resolveVersion(backend, 'bare#prod'), {
      name: 'RegistryNotFoundError',
      message: new RegExp(`^bare has no version in stage 'prod'; it was assigned only to commits with no registered version \\(newest: bare#prod#1 on commit ${bare.slice(0, 7)}, as gto assign --sr does\\)`),
    })
  })
})

describe(`Modelship writes, GTO ${gtoVersion ?? '(not installed)'} reads`, { skip }, () => {
  let repo: ScratchRepo
  before(async () => {
    repo = createScratchRepo('modelship-gto-')
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const log = collectingLog()
    for (const seed of ['1', '2', '3']) await register({ model: 'churn', commit: repo.commit(seed), assetsDir: writeAssets(seed), backend, log })
    await promote({ ref: 'churn@v0.0.1', stage: 'staging', backend, log })
    await promote({ ref: 'churn@v0.0.1', stage: 'production', backend, log })
    await promote({ ref: 'churn@v0.0.2', stage: 'staging', backend, log })
    await promote({ ref: 'churn@v0.0.2', stage: 'production', backend, log })
    await promote({ ref: 'churn@v0.0.3', stage: 'staging', backend, log })
    await demote({ ref: 'churn#staging', backend, log })
    await deregister({ ref: 'churn@v0.0.3', backend, log })
    for (const seed of ['a', 'b']) await register({ model: 'old', commit: repo.commit(seed), assetsDir: writeAssets(seed), backend, log })
    await deprecate({ model: 'old', backend, log })
  })
  after(() => repo.remove())

  it('GTO shows the latest versions, stages and deprecation Modelship computes', async () => {
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    const ours = await listModels(backend)
    const theirs = showAll(repo)
    assert.deepEqual(ours.map((m) => m.model), Object.keys(theirs).sort())
    for (const m of ours) {
      const g = theirs[m.model]!
      assert.deepEqual({ latest: m.latest, stages: m.stages, deprecated: m.deprecated }, { latest: g.version ?? undefined, stages: g.stage, deprecated: !g.active }, m.model)
    }
    assert.deepEqual(theirs.churn!.stage, { production: 'v0.0.2', staging: 'v0.0.2' })
  })

  it("GTO's history has every tag Modelship wrote, with the same event", async () => {
    const backend = new LocalRegistryBackend({ repoDir: repo.dir })
    for (const model of ['churn', 'old']) {
      const ours = (await modelHistory(backend, model)).map((e) => `${GTO_EVENT[e.type]} ${e.tag}`).sort()
      assert.deepEqual(ours, gtoHistory(repo, model), model)
    }
  })

  it('GTO check-ref reads a stage tag Modelship wrote as the same model, version, stage and event', () => {
    const tag = repo.git('tag', '-l', 'churn#production#*', '--sort=-taggerdate').split('\n')[0]!
    const ref = JSON.parse(gto(repo, ['check-ref', tag, '--json'])) as { artifact: string; version: string; stage: string; event: string }
    assert.deepEqual([ref.artifact, ref.version, ref.stage, ref.event], ['churn', 'v0.0.2', 'production', 'assignment'])
  })
})
