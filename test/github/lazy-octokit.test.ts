/**
 * @actions/github builds its proxy agent as it loads (~150 M instructions of start-up in each action
 * that imported it), so it is loaded only where a GitHub client is first made. A child process
 * refuses to resolve the package: opening the registry and reading the context must work without it,
 * and the first API call is where it is asked for.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { REPO_ROOT } from '../support/run-action.js'

test('the registry and the context load without @actions/github; the first API call loads it', () => {
  const refuse =
    'export async function resolve(specifier, context, next) {' +
    " if (specifier === '@actions/github' || specifier.startsWith('@actions/github/')) throw new Error('refused: ' + specifier);" +
    ' return next(specifier, context) }'
  const script = [
    `import { register } from 'node:module'`,
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(refuse)}))`,
    `const { openRegistry } = await import(${JSON.stringify(join(REPO_ROOT, 'src/registry/index.ts'))})`,
    `const { readGitHubContext, readEventPayload } = await import(${JSON.stringify(join(REPO_ROOT, 'src/github/context.ts'))})`,
    `const env = { GITHUB_REPOSITORY: 'acme/models', GITHUB_TOKEN: 'ghs_x' }`,
    `const backend = openRegistry({ backend: 'github', repoDir: '/nonexistent', env })`,
    `const out = { opened: backend.description, owner: readGitHubContext({ env }).owner, payload: readEventPayload({}) ?? null }`,
    `try { await backend.getRelease('churn@v0.0.1') } catch (error) { out.firstCall = error.message }`,
    `console.log(JSON.stringify(out))`,
  ].join('\n')
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH },
    encoding: 'utf8',
  })
  assert.deepEqual(JSON.parse(out), { opened: 'GitHub acme/models', owner: 'acme', payload: null, firstCall: 'refused: @actions/github' })
})
