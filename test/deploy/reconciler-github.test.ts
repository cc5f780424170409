/**
 * The reconciler reports GitHub deployment statuses: actions/deploy's part (a deployment per
 * desired-state commit, `in_progress`) is played here with src/deploy/github's own functions against
 * the GitHub REST double in this process; a real `modelship serve --environment staging` pointed at
 * the double sets `success` when a canary is promoted and `failure`, with the reason, when one is
 * reverted. Without a token it says once that statuses are not reported.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { GitHubDeployments, startDeployment } from '../../src/deploy/github/index.js'
import { createOctokit } from '../../src/github/octokit.js'
import { GIT_ENV } from '../registry/support/registry-fixture.js'
import { startGitHubDouble, type GitHubDouble } from '../support/github-double/index.js'
import { statusesOf } from '../support/github-double/resources/deployments.js'
import { cleanUp, GOOD_MODEL, gitIn, Origin, OTHER_SIGNATURE_MODEL, ROOT, startServer, trafficUntil, type ServerProcess } from './reconciler-fixture.js'

let double: GitHubDouble
let deployments: GitHubDeployments
const servers: ServerProcess[] = []
before(async () => {
  double = await startGitHubDouble({ owner: 'acme', repo: 'models' })
  const octokit = createOctokit({ token: double.token, baseUrl: double.url, retryAfterBaseMs: 1, writeIntervalMs: 0, log: { debug() {}, info() {}, warn() {}, error() {} } })
  deployments = new GitHubDeployments({ octokit, owner: 'acme', repo: 'models' })
})
after(async () => {
  await Promise.all(servers.map((s) => s.kill()))
  cleanUp()
  await double.close()
})

/** What actions/deploy does after its push: the commit reaches GitHub and gets its deployment, in_progress. */
async function recordDeploy(origin: Origin, commit: string, version: string, share: number): Promise<number> {
  gitIn(origin.dev.dir, 'push', '-q', '--force', double.gitDir, `${commit}:refs/heads/main`)
  return await startDeployment(deployments, { environment: 'staging', commit, model: 'lin', version, share })
}

/** Every status of a deployment, oldest first: [state, description]. */
function statuses(id: number): Array<[string, string]> {
  return statusesOf(double.state, id)
    .reverse()
    .map((s) => [s.state, s.description])
}

describe('reconciler GitHub deployment statuses', () => {
  it('success when a version is live or its canary promoted, failure with the reason when reverted; the token never logged', { timeout: 180_000 }, async () => {
    const origin = new Origin({ traffic: 50, maxErrorRate: 0.01, duration: '1s' })
    const v1 = await origin.register(GOOD_MODEL)
    const first = origin.deploy([{ model: 'lin', version: v1, share: 100 }])
    const d1 = await recordDeploy(origin, first, v1, 100)
    const server = await startServer(origin.cloneForServer(), {
      // MODELSHIP_ names: GITHUB_TOKEN with GITHUB_REPOSITORY would also make the registry GitHub's (auto).
      extraEnv: { MODELSHIP_GITHUB_TOKEN: double.token, MODELSHIP_GITHUB_REPOSITORY: 'acme/models', GITHUB_API_URL: double.url, MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0' },
    })
    servers.push(server)
    await server.waitFor(/reconciler: reporting GitHub deployment statuses of staging to acme\/models/)
    await server.waitFor(new RegExp(`reconciler: GitHub deployment ${d1} of lin v0\\.0\\.1 at ${first.slice(0, 7)}: success`))
    assert.deepEqual(statuses(d1), [['in_progress', 'lin v0.0.1 100%: desired state pushed'], ['success', 'lin serving v0.0.1 100%']])

    // A canary promoted: success, and the deployment it replaced inactive.
    const v2 = await origin.register(GOOD_MODEL)
    const second = origin.deploy([{ model: 'lin', version: v1, share: 50 }, { model: 'lin', version: v2, share: 50 }], 'deploy lin v0.0.2 at 50%')
    const d2 = await recordDeploy(origin, second, v2, 50)
    let mark = server.mark
    await server.poke()
    await trafficUntil(server, server.waitFor(/reconciler: promoted lin v0\.0\.2 after its canary/, mark))
    await server.waitFor(new RegExp(`reconciler: GitHub deployment ${d2} of lin v0\\.0\\.2 at ${second.slice(0, 7)}: success`), mark)
    const promoted = statuses(d2)
    assert.equal(promoted.length, 2)
    assert.equal(promoted[1]![0], 'success')
    assert.match(promoted[1]![1], /^promoted lin v0\.0\.2 after its canary \(\d+ requests, error rate 0%, p99 [\d.]+ ms\); serving v0\.0\.2 100%$/)
    assert.deepEqual(statuses(d1).at(-1), ['inactive', `superseded by deployment ${d2}`])

    // A breached canary: failure, the reason as description (GitHub's 140 characters at most).
    origin.pull()
    const v3 = await origin.register(OTHER_SIGNATURE_MODEL)
    const third = origin.deploy([{ model: 'lin', version: v3, share: 100 }], 'deploy lin v0.0.3')
    const d3 = await recordDeploy(origin, third, v3, 100)
    mark = server.mark
    await server.poke()
    await trafficUntil(server, server.waitFor(/reconciler: reverted lin v0\.0\.3/, mark))
    await server.waitFor(new RegExp(`reconciler: GitHub deployment ${d3} of lin v0\\.0\\.3 at ${third.slice(0, 7)}: failure`), mark)
    const [, failed] = statuses(d3)
    assert.equal(failed![0], 'failure')
    assert.ok(failed![1].length <= 140, failed![1])
    assert.match(failed![1], /^reverted: canary at 50% breached: error rate 100% over 10 requests \(0 failed, 10 refused\) is above max-error-rate/)
    // The failed deployment does not retire the one still serving.
    assert.equal(statuses(d2).at(-1)![0], 'success')

    assert.ok(!server.lines.some((l) => l.includes(double.token)), 'the token appears in the log')
    assert.deepEqual(double.violations, [])
    await server.stop()
  })

  it('a version no deployment records is said, not an error; a GitHub that refuses the token is a logged line and serving goes on', { timeout: 120_000 }, async () => {
    const origin = new Origin(undefined)
    const v1 = await origin.register(GOOD_MODEL)
    const commit = origin.deploy([{ model: 'lin', version: v1, share: 100 }])
    const server = await startServer(origin.cloneForServer(), {
      extraEnv: { MODELSHIP_GITHUB_TOKEN: double.token, MODELSHIP_GITHUB_REPOSITORY: 'acme/models', GITHUB_API_URL: double.url, MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0' },
    })
    servers.push(server)
    await server.waitFor(new RegExp(`reconciler: no GitHub deployment in acme/models records lin v0\\.0\\.1 at ${commit.slice(0, 7)}; no status to set`))
    await server.stop()

    const refused = await startServer(origin.cloneForServer(), {
      extraEnv: { MODELSHIP_GITHUB_TOKEN: 'not-a-token-the-double-knows', GITHUB_REPOSITORY: 'acme/models', GITHUB_API_URL: double.url, MODELSHIP_GITHUB_WRITE_INTERVAL_MS: '0' },
    })
    servers.push(refused)
    await refused.waitFor(/reconciler: could not set the GitHub deployment status of lin v0\.0\.1 at [0-9a-f]{7} in acme\/models: /)
    assert.deepEqual(await refused.infer('still-serving'), { status: 200, version: 'v0.0.1' })
    assert.ok(!refused.lines.some((l) => l.includes('not-a-token-the-double-knows')), 'the token appears in the log')
    await refused.stop()
  })

  it('without a token it says once that statuses are not reported', { timeout: 120_000 }, async () => {
    const origin = new Origin(undefined)
    origin.deploy([{ model: 'lin', version: await origin.register(GOOD_MODEL), share: 100 }])
    const server = await startServer(origin.cloneForServer())
    servers.push(server)
    await server.waitFor(/reconciler: in sync with/)
    const mark = server.mark
    await server.poke()
    await server.waitFor(/reconciler: in sync with/, mark)
    const said = server.lines.filter((l) => l.includes('GitHub deployment statuses are not reported'))
    assert.deepEqual(said, ['reconciler: GitHub deployment statuses are not reported (no MODELSHIP_GITHUB_TOKEN or GITHUB_TOKEN); deployments made by actions/deploy stay in_progress'])
    await server.stop()
  })

  it('a token without a repository, or a malformed one, stops the start with the fix', { timeout: 60_000 }, async () => {
    const origin = new Origin(undefined)
    const repo = origin.cloneForServer()
    const start = async (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--environment', 'staging', '--repo', repo, '--port', '0'], {
        cwd: ROOT,
        env: { ...GIT_ENV, GITHUB_TOKEN: '', MODELSHIP_GITHUB_TOKEN: '', GITHUB_REPOSITORY: '', MODELSHIP_GITHUB_REPOSITORY: '', ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
      return { code, stderr }
    }
    const missing = await start({ MODELSHIP_GITHUB_TOKEN: 'secret-token-value' })
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /MODELSHIP_GITHUB_TOKEN is set, so the reconciler reports GitHub deployment statuses, but the repository is not: set MODELSHIP_GITHUB_REPOSITORY=owner\/repo \(or GITHUB_REPOSITORY\), or unset MODELSHIP_GITHUB_TOKEN to report none/)
    assert.doesNotMatch(missing.stderr, /secret-token-value|\n\s+at /)
    const malformed = await start({ GITHUB_TOKEN: 'secret-token-value', GITHUB_REPOSITORY: 'not a repo' })
    assert.equal(malformed.code, 2)
    assert.match(malformed.stderr, /GITHUB_REPOSITORY 'not a repo' is not a repository; expected 'owner\/repo'/)
  })
})
