/**
 * `modelship status --server` against a real reconciling server (`serve --environment staging` on
 * loopback, held at the moment its canary opens): the phase, the rollout and each version's role come
 * from GET /v2/deploy/status, and a reverted canary shows up as a recent failure with its reason.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { environmentStatus, formatStatus } from '../../src/deploy/index.js'
import { cleanUp, GOOD_MODEL, Origin, OTHER_SIGNATURE_MODEL, startServer, trafficUntil, type ServerProcess } from './reconciler-fixture.js'

const servers: ServerProcess[] = []
after(async () => {
  await Promise.all(servers.map((s) => s.kill()))
  cleanUp()
})

describe('modelship status beside a reconciling server', () => {
  it('shows the canary under way, then the promotion, then a reverted version with its reason', { timeout: 180_000 }, async () => {
    const origin = new Origin({ traffic: 50, maxErrorRate: 0.01, duration: '1s' })
    const v1 = await origin.register(GOOD_MODEL)
    origin.deploy([{ model: 'lin', version: v1, share: 100 }])
    const server = await startServer(origin.cloneForServer(), { holdAt: 'canary v0.0.2' })
    servers.push(server)
    await server.waitFor(/reconciler: in sync with/)

    const v2 = await origin.register(GOOD_MODEL)
    const commit = origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: v2, share: 50 }], 'deploy lin v0.0.2 at 50%')
    let mark = server.mark
    await server.poke()
    await server.waitFor(/^point canary lin v0\.0\.2$/, mark)
    const during = formatStatus(await environmentStatus({ root: origin.dev.dir, environment: 'staging', server: server.url }))
    assert.match(during, /^ {2}lin +v0\.0\.1 +50% +yes +50% +yes +\d+ +(-|0%) +(-|\d+ ms)$/m)
    assert.match(during, /^ {2}lin +v0\.0\.2 +50% +yes +50% canary +yes +0 +- +-$/m)
    assert.match(during, new RegExp(`\\n {2}reconciler: canary; desired state read at ${commit.slice(0, 7)}\\n {2}rollout: lin v0\\.0\\.2 canary at 50% \\(attempt 1\\)\\n`))

    server.resume()
    await trafficUntil(server, server.waitFor(/reconciler: promoted lin v0\.0\.2 after its canary/, mark))
    await server.waitFor(/reconciler: in sync with/, mark)

    const v3 = await origin.register(OTHER_SIGNATURE_MODEL)
    origin.deploy([{ model: 'lin', version: v3, share: 100 }], 'deploy lin v0.0.3')
    mark = server.mark
    await server.poke()
    await trafficUntil(server, server.waitFor(/reconciler: reverted lin v0\.0\.3/, mark))
    // Read before git is told, too: the failure is the server's to report as long as git names v0.0.3.
    await server.waitFor(/reconciler: (not )?in sync with/, mark)
    origin.pull()
    const reverted = await environmentStatus({ root: origin.dev.dir, environment: 'staging', server: server.url })
    const text = formatStatus(reverted)
    assert.match(text, /^ {2}lin +v0\.0\.2 +100% +yes +100% +yes +\d+ +\S+ +\d+ ms$/m)
    assert.match(text, /^ {2}lin +v0\.0\.1 +- +yes +0% standby +yes +\d+ +\S+ +(-|\d+ ms)$/m)
    assert.match(text, /\n {2}reconciler: idle; desired state read at [0-9a-f]{7}\n/)
    assert.ok(reverted.server?.reachable && reverted.server.reconciler)
    assert.deepEqual(reverted.server.reconciler.failures.map((f) => [f.model, f.version]), [['lin', 'v0.0.3']])
    assert.match(text, /\n {2}recent failures:\n {4}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}lin v0\.0\.3: canary at 50% breached: error rate 100% over 10 requests/)
    await server.stop()
  })
})
