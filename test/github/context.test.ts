import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT } from '../support/run-action.js'
import { parseRepository, readEventPayload, readGitHubContext, readRepository, readRunUrl, readServerUrl, readToken } from '../../src/github/context.js'

const actionsEnv = {
  GITHUB_REPOSITORY: 'acme/models',
  GITHUB_TOKEN: 'ghs_from_env',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_API_URL: 'https://api.github.com',
  GITHUB_RUN_ID: '1658821493',
  GITHUB_RUN_ATTEMPT: '1',
}

describe('GitHub context from the environment', () => {
  it('reads repository, token, URLs and run link as GitHub Actions sets them', () => {
    assert.deepEqual(readGitHubContext({ env: actionsEnv }), {
      owner: 'acme',
      repo: 'models',
      token: 'ghs_from_env',
      apiUrl: 'https://api.github.com',
      serverUrl: 'https://github.com',
      runUrl: 'https://github.com/acme/models/actions/runs/1658821493',
    })
  })

  it('prefers the token input over GITHUB_TOKEN, treating an empty input as unset', () => {
    assert.equal(readToken('ghp_input', actionsEnv), 'ghp_input')
    assert.equal(readToken('  ', actionsEnv), 'ghs_from_env')
  })

  it('says how to pass a token when there is none', () => {
    assert.throws(() => readToken('', {}), {
      name: 'UsageError',
      message:
        'No GitHub token: the token input is empty and GITHUB_TOKEN is not set. ' +
        'Pass `token: ${{ github.token }}` to the action, or set GITHUB_TOKEN when running locally.',
    })
  })

  it('explains a missing or malformed GITHUB_REPOSITORY', () => {
    assert.throws(() => readRepository({}), {
      name: 'UsageError',
      message: "GITHUB_REPOSITORY is not set; expected 'owner/repo'. Run inside GitHub Actions or set GITHUB_REPOSITORY=owner/repo.",
    })
    assert.throws(() => readRepository({ GITHUB_REPOSITORY: 'models' }), {
      name: 'UsageError',
      message: "GITHUB_REPOSITORY 'models' is not a repository; expected 'owner/repo', e.g. 'acme/models'.",
    })
    assert.throws(() => parseRepository('acme/models/extra', 'repository input'), {
      message: "repository input 'acme/models/extra' is not a repository; expected 'owner/repo', e.g. 'acme/models'.",
    })
    assert.deepEqual(parseRepository('my-org/model_zoo.v2'), { owner: 'my-org', repo: 'model_zoo.v2' })
  })

  it('builds the run link for GHES and re-run attempts, and leaves it out for local runs', () => {
    assert.equal(
      readRunUrl({ ...actionsEnv, GITHUB_SERVER_URL: 'https://ghes.example.com/', GITHUB_RUN_ATTEMPT: '3' }),
      'https://ghes.example.com/acme/models/actions/runs/1658821493/attempts/3',
    )
    assert.equal(readRunUrl({ GITHUB_REPOSITORY: 'acme/models' }), undefined)
    assert.throws(() => readRunUrl({ ...actionsEnv, GITHUB_RUN_ID: 'abc' }), {
      name: 'UsageError',
      message: "GITHUB_RUN_ID 'abc' is not a run id; expected a number such as '1658821493'.",
    })
  })

  it('defaults the web root to github.com and rejects a server URL that is not one', () => {
    assert.equal(readServerUrl({}), 'https://github.com')
    assert.throws(() => readServerUrl({ GITHUB_SERVER_URL: 'github.com' }), {
      name: 'UsageError',
      message: "GITHUB_SERVER_URL 'github.com' is not a URL; expected e.g. 'https://github.com'.",
    })
  })

  it('reads the event payload from GITHUB_EVENT_PATH, and nothing for a local run or an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-event-'))
    try {
      writeFileSync(join(dir, 'event.json'), '{"pull_request":{"number":7}}')
      writeFileSync(join(dir, 'broken.json'), '{"pull_request":')
      assert.deepEqual(readEventPayload({ GITHUB_EVENT_PATH: join(dir, 'event.json') }), { pull_request: { number: 7 } })
      assert.equal(readEventPayload({}), undefined)
      assert.equal(readEventPayload({ GITHUB_EVENT_PATH: join(dir, 'broken.json') }), undefined)
      assert.equal(readEventPayload({ GITHUB_EVENT_PATH: join(dir, 'missing.json') }), undefined)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("reads the step's own payload once and keeps it, as @actions/github's context does", () => {
    const dir = mkdtempSync(join(tmpdir(), 'modelship-event-'))
    try {
      const event = join(dir, 'event.json')
      writeFileSync(event, '{"pull_request":{"number":7}}')
      // The child reads, then overwrites the file: its own payload stays the first one read; an
      // environment given explicitly (a test's, a command's) is read afresh.
      const script =
        `import { writeFileSync } from 'node:fs'\n` +
        `import { readEventPayload } from ${JSON.stringify(join(REPO_ROOT, 'src/github/context.ts'))}\n` +
        `const first = readEventPayload()\n` +
        `writeFileSync(process.env.GITHUB_EVENT_PATH, '{"pull_request":{"number":8}}')\n` +
        `console.log(JSON.stringify([first, readEventPayload(), readEventPayload({ GITHUB_EVENT_PATH: process.env.GITHUB_EVENT_PATH })]))\n`
      const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: REPO_ROOT,
        env: { PATH: process.env.PATH, GITHUB_EVENT_PATH: event },
        encoding: 'utf8',
      })
      assert.deepEqual(JSON.parse(out), [{ pull_request: { number: 7 } }, { pull_request: { number: 7 } }, { pull_request: { number: 8 } }])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
