/**
 * Crash consistency: a server process SIGKILLed mid-download, mid-swap (the new version loaded beside
 * the old) and mid-canary restarts serving the old version at once, with nothing half-loaded and no
 * download left half-written, then starts the rollout again and finishes it. A rollout the server
 * dies in twice is given up and reverted in git. The child prints the point it reached and holds
 * there until the test kills it; nothing here waits a fixed time.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { cleanUp, GOOD_MODEL, Origin, startServer, trafficUntil, type ServerProcess } from './reconciler-fixture.js'

const servers: ServerProcess[] = []
after(async () => {
  await Promise.all(servers.map((s) => s.kill()))
  cleanUp()
})

async function start(repo: string, stateDir: string, holdAt: string): Promise<ServerProcess> {
  const server = await startServer(repo, { stateDir, holdAt: holdAt ? `${holdAt} v0.0.2` : '' })
  servers.push(server)
  return server
}

/** lin v0.0.1 live on a server (state in `stateDir`), v0.0.2 registered and deployed at 100 %. */
async function deployedOverLive(holdAt: string) {
  const origin = new Origin({ traffic: 50, duration: '1s' })
  const v1 = await origin.register(GOOD_MODEL)
  origin.deploy([{ model: 'lin', version: v1, share: 100 }])
  const repo = origin.cloneForServer()
  const stateDir = join(repo, '.modelship', 'reconciler', 'staging')
  const server = await start(repo, stateDir, holdAt)
  await server.waitFor(/reconciler: in sync with .*: lin v0\.0\.1 100%/)
  const v2 = await origin.register(GOOD_MODEL)
  origin.deploy([{ model: 'lin', version: v2, share: 100 }])
  return { origin, repo, stateDir, server }
}

const versionsDir = (stateDir: string) => readdirSync(join(stateDir, 'versions', 'lin')).sort()

describe('the reconciler killed at any point', () => {
  for (const [point, phase] of [
    ['downloaded', 'downloading'],
    ['loaded', 'loading'],
    ['canary', 'canary'],
  ] as const) {
    it(`killed at '${point}' restarts serving v0.0.1 alone, then rolls v0.0.2 out again`, { timeout: 180_000 }, async () => {
      const { repo, stateDir, server } = await deployedOverLive(point)
      const mark = server.mark
      await server.poke()
      await server.waitFor(new RegExp(`^point ${point} lin v0\\.0\\.2$`), mark)
      if (point === 'downloaded') assert.ok(versionsDir(stateDir).some((name) => name.startsWith('.v0.0.2.download-')), 'the download is staged, not in place')
      if (point === 'canary') {
        const canary = await server.status()
        assert.deepEqual(canary.models[0].versions.map((v: { version: string; share: number }) => [v.version, v.share]), [['v0.0.1', 50], ['v0.0.2', 50]])
      }
      await server.kill()
      assert.equal(JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')).rollout.phase, phase)

      const restarted = await start(repo, stateDir, 'downloading')
      // The old version answers from the first request: it was loaded before the port opened.
      assert.deepEqual(await restarted.infer('first'), { status: 200, version: 'v0.0.1' })
      await restarted.waitFor(new RegExp(`restarted during the rollout of lin v0\\.0\\.2 \\(${phase}, attempt 1\\); serving the last live versions: lin v0\\.0\\.1 100%`))
      await restarted.waitFor(/^point downloading lin v0\.0\.2$/)
      const status = await restarted.status()
      assert.deepEqual(status.models[0].versions.map((v: { version: string; share: number; role: string }) => [v.version, v.share, v.role]), [['v0.0.1', 100, 'serving']])
      assert.deepEqual(status.models[0].rollout, { version: 'v0.0.2', phase: 'downloading', share: 0, attempt: 2 })
      assert.ok(!versionsDir(stateDir).some((name) => name.startsWith('.')), `no staged download is left: ${versionsDir(stateDir).join(', ')}`)

      const mark2 = restarted.mark
      restarted.resume()
      const traffic = await trafficUntil(restarted, restarted.waitFor(/reconciler: promoted lin v0\.0\.2 after its canary/, mark2))
      assert.equal(traffic.failed, 0)
      assert.deepEqual(await restarted.infer('after'), { status: 200, version: 'v0.0.2' })
      await restarted.stop()
    })
  }

  it('SIGTERM mid-canary moves traffic back, writes nothing to git, exits 0, and the restart rolls out afresh', { timeout: 180_000 }, async () => {
    const { origin, repo, stateDir, server } = await deployedOverLive('canary')
    const before = origin.head()
    await server.poke()
    await server.waitFor(/^point canary lin v0\.0\.2$/)
    server.child.kill('SIGTERM')
    server.resume()
    assert.deepEqual(await server.exit, { code: 0, signal: null })
    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8'))
    assert.equal(state.rollout, null)
    assert.deepEqual(state.pending, [])
    assert.deepEqual(state.live.lin.map((v: { version: string; share: number }) => [v.version, v.share]), [['v0.0.1', 100]])
    assert.deepEqual(origin.head(), before)
    const restarted = await start(repo, stateDir, '')
    await restarted.waitFor(/reconciler: rolling out lin v0\.0\.2 \(attempt 1\)/)
    await restarted.stop()
  })

  it('a rollout the server dies in twice is reverted on the third start, and git says why', { timeout: 180_000 }, async () => {
    const { origin, repo, stateDir, server } = await deployedOverLive('canary')
    await server.poke()
    await server.waitFor(/^point canary lin v0\.0\.2$/)
    await server.kill()
    const second = await start(repo, stateDir, 'canary')
    await second.waitFor(/^point canary lin v0\.0\.2$/)
    await second.kill()
    const third = await start(repo, stateDir, '')
    await third.waitFor(/reconciler: reverted lin v0\.0\.2: the server stopped 2 times during its rollout \(last while canary\); it is not tried again; serving v0\.0\.1 100%/)
    await third.waitFor(/reconciler: committed [0-9a-f]{7}: rollback lin v0\.0\.2 in staging/)
    const head = origin.head()
    assert.equal(head.subject, 'rollback lin v0.0.2 in staging')
    assert.match(head.text, /version: v0\.0\.1\n    traffic: 100\n$/)
    assert.deepEqual(await third.infer('after'), { status: 200, version: 'v0.0.1' })
    await third.stop()
  })
})
