/**
 * The reconciler's whole loop with a real bare remote and clones, real ONNX files registered in the
 * local registry, and real `modelship serve --environment staging` processes on loopback: a canary
 * promoted, a breached canary reverted by itself (and git told why), a manual rollback, and the bad
 * inputs the issue names. Every wait is for a line the server prints.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { ADMIN_TOKEN, cleanUp, GOOD_MODEL, Origin, OTHER_SIGNATURE_MODEL, startServer, trafficUntil, type ServerProcess } from './reconciler-fixture.js'

const servers: ServerProcess[] = []
after(async () => {
  await Promise.all(servers.map((s) => s.kill()))
  cleanUp()
})

describe('modelship serve --environment', () => {
  it('rolls a canary out to 100 %, reverts a breached one by itself with a rollback commit, and follows a manual rollback', { timeout: 180_000 }, async () => {
    const origin = new Origin({ traffic: 50, maxErrorRate: 0.01, duration: '1s' })
    const v1 = await origin.register(GOOD_MODEL)
    origin.deploy([{ model: 'lin', version: v1, share: 100 }])
    const server = await startServer(origin.cloneForServer())
    servers.push(server)
    await server.waitFor(/reconciler: in sync with .*: lin v0\.0\.1 100%/)
    assert.deepEqual(await server.infer('first'), { status: 200, version: 'v0.0.1' })

    // A canary at the share git gives it, promoted after its window, and git told so.
    const v2 = await origin.register(GOOD_MODEL)
    origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: v2, share: 50 }], 'deploy lin v0.0.2 at 50%')
    let mark = server.mark
    await server.poke()
    const rollout = await trafficUntil(server, server.waitFor(/reconciler: promoted lin v0\.0\.2 after its canary/, mark))
    assert.equal(rollout.failed, 0)
    assert.ok((rollout.byVersion['v0.0.2'] ?? 0) > 0, `the canary served requests: ${JSON.stringify(rollout.byVersion)}`)
    await server.waitFor(/reconciler: committed [0-9a-f]{7}: promote lin v0\.0\.2 to 100% in staging/, mark)
    const promoted = origin.head()
    assert.equal(promoted.subject, 'promote lin v0.0.2 to 100% in staging')
    assert.match(promoted.body, /^Now serving: lin v0\.0\.2 100%\.\nReason: the canary of lin v0\.0\.2 passed: \d+ requests, error rate 0%, p99 [\d.]+ ms\n\nModelship-Action: promote\nModelship-Environment: staging\nModelship-Model: lin\nModelship-Version: v0\.0\.2\nModelship-By: reconciler\n/)
    assert.match(promoted.text, /models:\n  - model: lin\n    version: v0\.0\.2\n    traffic: 100\n$/)
    assert.deepEqual(await server.infer('after-promotion'), { status: 200, version: 'v0.0.2' })

    // A version that refuses the requests the old one answers: smoke passes, the canary does not.
    const v3 = await origin.register(OTHER_SIGNATURE_MODEL)
    origin.deploy([{ model: 'lin', version: v3, share: 100 }], 'deploy lin v0.0.3')
    mark = server.mark
    await server.poke()
    const breach = await trafficUntil(server, server.waitFor(/reconciler: reverted lin v0\.0\.3/, mark))
    // The canary's refusals were answered by v0.0.2 (retried there) and still judged it.
    assert.equal(breach.failed, 0)
    // Traffic is back on v0.0.2 at once, before git is told.
    for (let i = 0; i < 20; i++) assert.deepEqual(await server.infer(`after-breach-${i}`), { status: 200, version: 'v0.0.2' })
    await server.waitFor(/reconciler: committed [0-9a-f]{7}: rollback lin v0\.0\.3 in staging/, mark)
    const rolledBack = origin.head()
    assert.equal(rolledBack.subject, 'rollback lin v0.0.3 in staging')
    assert.equal(
      rolledBack.body,
      [
        'The reconciler reverted lin v0.0.3.',
        'Restored: lin v0.0.2 100%.',
        'Reason: canary at 50% breached: error rate 100% over 10 requests (0 failed, 10 refused) is above max-error-rate 1%',
        '',
        'Modelship-Action: rollback',
        'Modelship-Environment: staging',
        'Modelship-Model: lin',
        'Modelship-Version: v0.0.2',
        'Modelship-Reverted: v0.0.3',
        'Modelship-By: reconciler',
        'Modelship-Reason: canary at 50% breached: error rate 100% over 10 requests (0 failed, 10 refused) is above max-error-rate 1%',
      ].join('\n'),
    )
    assert.match(rolledBack.text, /version: v0\.0\.2\n    traffic: 100\n$/)

    const status = await server.status()
    assert.equal(status.environment, 'staging')
    assert.deepEqual(status.models[0].versions.map((v: { version: string; share: number; role: string }) => [v.version, v.share, v.role]), [['v0.0.1', 0, 'standby'], ['v0.0.2', 100, 'serving']])
    assert.equal(status.models[0].failures[0].version, 'v0.0.3')

    // A manual rollback to the standby: no download, no canary.
    origin.deploy([{ model: 'lin', version: v1, share: 100 }], 'rollback lin to v0.0.1')
    mark = server.mark
    await server.poke()
    await server.waitFor(/reconciler: lin shares: v0\.0\.1 100% \(standby v0\.0\.2\)/, mark)
    assert.deepEqual(await server.infer('after-rollback'), { status: 200, version: 'v0.0.1' })

    // Retired: out of the desired state, out of the server.
    origin.deploy([], 'retire lin from staging')
    mark = server.mark
    await server.poke()
    await server.waitFor(/reconciler: lin is no longer in deploy\/staging\.yaml; unloaded v0\.0\.1, v0\.0\.2/, mark)
    assert.equal((await server.infer('after-retire')).status, 404)
    assert.deepEqual((await server.status()).models, [])
    await server.stop()
    assert.deepEqual(await server.exit, { code: 0, signal: null })
  })
})
