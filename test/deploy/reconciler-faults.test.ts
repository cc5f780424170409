/**
 * Bad input and faults the reconciler meets, each with a real server process: an unknown version, a
 * model without a spec, a checksum mismatch, a p99 breach, shares that do not add up, a remote that
 * cannot be reached, the admin route without a token, and flags that do not go together. Each is a
 * clear message and the old version keeps serving.
 */
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { ADMIN_TOKEN, cleanUp, GOOD_MODEL, gitIn, Origin, ROOT, startServer, trafficUntil, type CanaryText, type ServerProcess } from './reconciler-fixture.js'
import { GIT_ENV } from '../registry/support/registry-fixture.js'

const servers: ServerProcess[] = []
after(async () => {
  await Promise.all(servers.map((s) => s.kill()))
  cleanUp()
})

/** lin v0.0.1 serving on a fresh server. */
async function serving(canary: CanaryText | undefined = { traffic: 50, duration: '1s' }) {
  const origin = new Origin(canary)
  const v1 = await origin.register(GOOD_MODEL)
  origin.deploy([{ model: 'lin', version: v1, share: 100 }])
  const server = await startServer(origin.cloneForServer())
  servers.push(server)
  await server.waitFor(/reconciler: in sync with .*: lin v0\.0\.1 100%/)
  return { origin, server, v1 }
}

async function pokeAndWait(server: ServerProcess, pattern: RegExp): Promise<string> {
  const mark = server.mark
  await server.poke()
  return await server.waitFor(pattern, mark)
}

describe('reconciler faults', { timeout: 240_000 }, () => {
  it('an unknown version is reverted in git with the registry message, v0.0.1 serving throughout', async () => {
    const { origin, server, v1 } = await serving()
    origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: 'v9.9.9', share: 50 }])
    const line = await pokeAndWait(server, /reconciler: reverted lin v9\.9\.9: /)
    assert.match(line, /could not get lin@v9\.9\.9 from the registry \(desired at [0-9a-f]{7}\): .*v9\.9\.9/)
    await server.waitFor(/reconciler: committed [0-9a-f]{7}: rollback lin v9\.9\.9 in staging/)
    assert.match(origin.head().text, /version: v0\.0\.1\n    traffic: 100\n$/)
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('a branch that refuses the rollback commit by policy is said in the log and the status; the version is not tried again', async () => {
    const { origin, server, v1 } = await serving()
    // A pre-receive hook refusing the reconciler's commits only, as a protected branch would.
    const hook = join(origin.remote, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\nwhile read old new ref; do\n  if git log -1 --format=%B "$new" | grep -q "Modelship-By: reconciler"; then echo "main is protected: changes need a review" >&2; exit 1; fi\ndone\n', { mode: 0o755 })
    origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: 'v9.9.9', share: 50 }])
    const line = await pokeAndWait(server, /reconciler: the branch refused "rollback lin v9\.9\.9 in staging" by policy/)
    assert.match(line, /\(pre-receive hook declined; main is protected: changes need a review\), so git still names what the server reverted; .*\(modelship rollback --environment staging --model lin\)$/)
    await server.waitFor(/reconciler: not in sync with [0-9a-f]{7} \(the branch refused/)
    assert.match((await server.status()).lastError, /^the branch refused "rollback lin v9\.9\.9 in staging" by policy/)
    // The next pass does not roll the failed version out again at the same commit.
    const mark = server.mark
    await server.poke()
    await server.waitFor(/reconciler: could not reconcile lin: v9\.9\.9 failed its rollout at [0-9a-f]{7} \(could not get lin@v9\.9\.9 .*\) and git still names it; not tried again until deploy\/staging\.yaml changes$/, mark)
    await server.waitFor(/reconciler: not in sync with/, mark)
    assert.ok(!server.lines.slice(mark).some((l) => /rolling out lin v9\.9\.9/.test(l)), server.lines.slice(mark).join('\n'))
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('a version whose file does not match its recorded sha256 loads nothing and is reverted', async () => {
    const { origin, server } = await serving()
    const v2 = await origin.register(GOOD_MODEL)
    // Rewrite the release's model.onnx in the remote, as a tampered or broken upload would.
    const ref = `refs/modelship/releases/lin@${v2}`
    const dev = origin.dev.dir
    const index = join(dev, '.git', 'tamper-index')
    const env = { ...GIT_ENV, GIT_INDEX_FILE: index }
    const git = (...args: string[]) => spawnSync('git', args, { cwd: dev, env, encoding: 'utf8' }).stdout.trim()
    const path = git('ls-tree', '-r', '--name-only', ref).split('\n').find((p) => p.endsWith('model.onnx'))!
    git('read-tree', ref)
    writeFileSync(join(dev, 'tampered.onnx'), 'not the registered bytes\n')
    const blob = git('hash-object', '-w', 'tampered.onnx')
    git('update-index', '--cacheinfo', `100644,${blob},${path}`)
    const commit = git('commit-tree', git('write-tree'), '-p', ref, '-m', 'tamper')
    git('update-ref', ref, commit)
    gitIn(dev, 'push', '-q', '--force', 'origin', `${ref}:${ref}`)
    origin.deploy([{ model: 'lin', version: v2, share: 100 }])
    const line = await pokeAndWait(server, /reconciler: reverted lin v0\.0\.2: /)
    assert.match(line, /checksum mismatch for model\.onnx of lin@v0\.0\.2: its version tag recorded [0-9a-f]{64}, the download is [0-9a-f]{64}/)
    const status = await server.status()
    assert.deepEqual(status.models[0].versions.map((v: { version: string }) => v.version), ['v0.0.1'])
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('a p99 above the limit reverts the canary', async () => {
    const { origin, server } = await serving({ traffic: 50, maxP99Ms: 0.001, duration: '600s' })
    const v2 = await origin.register(GOOD_MODEL)
    origin.deploy([{ model: 'lin', version: v2, share: 100 }])
    const mark = server.mark
    await server.poke()
    const traffic = await trafficUntil(server, server.waitFor(/reconciler: reverted lin v0\.0\.2: canary at 50% breached: p99 latency [\d.]+ ms over 10 requests is above max-p99-ms 0\.001/, mark))
    assert.equal(traffic.failed, 0, 'a slow canary fails no request')
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('a model without a spec, and shares that do not add up, are errors in the status; nothing changes', async () => {
    const { origin, server, v1 } = await serving()
    origin.deploy([{ model: 'lin', version: v1, share: 100 }, { model: 'ghost', version: 'v0.0.1', share: 100 }])
    await pokeAndWait(server, /reconciler: could not reconcile ghost: deploy\/staging\.yaml names model 'ghost', which has no models\/ghost\/model\.yaml at [0-9a-f]{7}; nothing of it is served/)
    assert.match((await server.status()).lastError, /^ghost: deploy\/staging\.yaml names model 'ghost'/)

    origin.pull()
    writeFileSync(join(origin.dev.dir, 'deploy/staging.yaml'), 'apiVersion: modelship/v1\nkind: Environment\nname: staging\nmodels:\n  - { model: lin, version: v0.0.1, traffic: 90 }\n')
    origin.dev.git('commit', '-q', '-am', 'bad shares')
    origin.dev.git('push', '-q', 'origin', 'main')
    const line = await pokeAndWait(server, /reconciler: pass failed: /)
    assert.match(line, /deploy\/staging\.yaml:5:\d+ .*100/)
    assert.match(line, /still serving lin v0\.0\.1 100%$/)
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('a remote that cannot be reached keeps the server serving and says why', async () => {
    const { origin, server } = await serving()
    rmSync(origin.remote, { recursive: true, force: true })
    const line = await pokeAndWait(server, /reconciler: pass failed: /)
    assert.match(line, /could not fetch main from origin in .*; still serving lin v0\.0\.1 100%$/)
    assert.match((await server.status()).lastError, /^could not fetch main from origin/)
    assert.deepEqual(await server.infer('after'), { status: 200, version: 'v0.0.1' })
  })

  it('the reconcile route needs the admin token; the status route is open', async () => {
    const { server } = await serving()
    const anonymous = await fetch(`${server.url}/v2/repository/reconcile`, { method: 'POST' })
    assert.equal(anonymous.status, 401)
    assert.deepEqual(await anonymous.json(), { error: 'missing or wrong admin bearer token' })
    const get = await fetch(`${server.url}/v2/repository/reconcile`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    assert.equal(get.status, 405)
    const status = await server.status()
    assert.deepEqual(Object.keys(status), ['environment', 'repository', 'branch', 'desiredCommit', 'phase', 'lastError', 'models'])
    assert.deepEqual(status.models[0].versions, [{ version: 'v0.0.1', share: 100, role: 'serving', health: 'ready', requests: 0, errorRate: 0, p99Ms: null }])
  })

  it('--environment with --model is a usage error', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--environment', 'staging', '--model', GOOD_MODEL], { cwd: ROOT, encoding: 'utf8' })
    assert.equal(result.status, 2)
    assert.match(result.stderr, /--environment staging serves what deploy\/staging\.yaml says; leave out --model and the configuration's models:/)
    assert.doesNotMatch(result.stderr, /\n\s+at /)
  })
})

