/**
 * Health during a canary: the version is probed every `health-check.period-seconds` of its window
 * (the server's health path, the version still loaded, the smoke request), and a failed probe takes
 * its traffic back at once, as a breached limit does, with no request needed to show it. The server
 * runs in this process so the test can break the canary at the moment its window opens; every wait
 * is for an event the reconciler emits.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { serveEnvironment, type EnvironmentServer } from '../../src/deploy/reconciler/index.js'
import { ServeConfigSchema } from '../../src/serve/index.js'
import { ADMIN_TOKEN, cleanUp, GOOD_MODEL, Origin } from './reconciler-fixture.js'

const servers: EnvironmentServer[] = []
after(async () => {
  await Promise.all(servers.map((s) => s.drain()))
  cleanUp()
})

/** Resolves on the first event (from now) that matches. */
function nextEvent(server: EnvironmentServer, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const off = server.reconciler.onEvent((event) => {
      if (!pattern.test(event)) return
      off()
      resolve(event)
    })
  })
}

async function infer(server: EnvironmentServer): Promise<{ status: number; version: string | undefined }> {
  const response = await fetch(`${server.handle.url}/v2/models/lin/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }),
  })
  const body = (await response.json()) as { model_version?: string }
  return { status: response.status, version: body.model_version }
}

/**
 * A server following `origin` with lin v0.0.1 live and v0.0.2 desired at 50 %; `breakCanary` runs
 * when the canary's window opens (a 10-minute window: only a probe can end it early).
 */
async function canaryBrokenBy(breakCanary: (server: EnvironmentServer) => void): Promise<{ origin: Origin; server: EnvironmentServer; reverted: string }> {
  const origin = new Origin({ traffic: 50, duration: '10m', healthPeriodSeconds: 1 })
  const v1 = await origin.register(GOOD_MODEL)
  origin.deploy([{ model: 'lin', version: v1, share: 100 }])
  let server!: EnvironmentServer
  server = await serveEnvironment({
    environment: 'staging',
    repoDir: origin.cloneForServer(),
    pollSeconds: 3600,
    config: ServeConfigSchema.parse({ port: 0 }),
    env: { MODELSHIP_SERVE_ADMIN_TOKENS: ADMIN_TOKEN },
    log: () => undefined,
    checkpoint: (point, { version }) => {
      if (point === 'canary' && version === 'v0.0.2') breakCanary(server)
    },
  })
  servers.push(server)
  if (!server.reconciler.report().models.some((m) => m.versions.some((v) => v.version === 'v0.0.1'))) await nextEvent(server, /^in sync with/)
  const v2 = await origin.register(GOOD_MODEL)
  origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: v2, share: 50 }], 'deploy lin v0.0.2 at 50%')
  const reverted = nextEvent(server, /^reverted lin v0\.0\.2: /)
  const committed = nextEvent(server, /^committed [0-9a-f]{7}: rollback lin v0\.0\.2 in staging$/)
  void server.reconciler.poke()
  const line = await reverted
  await committed
  return { origin, server, reverted: line }
}

describe('reconciler health during the canary', () => {
  it('a canary whose smoke request starts failing is reverted by its probe, with no traffic, and git says why', { timeout: 120_000 }, async () => {
    const { origin, server, reverted } = await canaryBrokenBy((s) => {
      const canary = s.handle.store.versions('lin').find((v) => v.version === 'v0.0.2')!
      // The session breaks after loading: every run now throws, as a lost GPU or a corrupt runtime would.
      canary.run = async () => {
        throw new Error('session lost')
      }
    })
    assert.equal(reverted, 'reverted lin v0.0.2: canary at 50% failed its health check: probe failed 4 times during the window (smoke request to lin v0.0.2 failed: session lost); serving v0.0.1 100%')
    // The old version holds all traffic, and the broken one is gone.
    assert.deepEqual(await infer(server), { status: 200, version: 'v0.0.1' })
    assert.deepEqual(server.handle.store.versions('lin').map((v) => [v.version, v.weight]), [['v0.0.1', 100]])
    const head = origin.head()
    assert.equal(head.subject, 'rollback lin v0.0.2 in staging')
    assert.match(head.body, /^Reason: canary at 50% failed its health check: probe failed 4 times during the window \(smoke request to lin v0\.0\.2 failed: session lost\)$/m)
    assert.match(head.text, /version: v0\.0\.1\n    traffic: 100\n$/)
    const status = server.reconciler.report()
    assert.equal(status.phase, 'idle')
    assert.match(status.models[0]!.failures[0]!.reason, /failed its health check/)
  })

  it('a canary that is no longer loaded fails its readiness and is reverted', { timeout: 120_000 }, async () => {
    const { server, reverted } = await canaryBrokenBy((s) => {
      void s.handle.store.unload('lin', 'v0.0.2')
    })
    assert.equal(reverted, 'reverted lin v0.0.2: canary at 50% failed its health check: probe failed 4 times during the window (lin v0.0.2 is no longer loaded); serving v0.0.1 100%')
    assert.deepEqual(await infer(server), { status: 200, version: 'v0.0.1' })
  })
})
