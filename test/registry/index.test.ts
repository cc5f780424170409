import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  formatHistory,
  formatModelList,
  formatVersionDetails,
  GitHubRegistryBackend,
  LocalRegistryBackend,
  openRegistry,
  stagePolicy,
} from '../../src/registry/index.js'

describe('openRegistry', () => {
  it('uses the local backend without a token (a laptop, act without secrets) and GitHub with one', () => {
    const local = openRegistry({ repoDir: '/tmp/x', env: { GITHUB_REPOSITORY: 'acme/models' } })
    assert.ok(local instanceof LocalRegistryBackend)
    assert.equal(local.description, 'local repository /tmp/x')
    const github = openRegistry({ repoDir: '/tmp/x', env: { GITHUB_REPOSITORY: 'acme/models', GITHUB_TOKEN: 'ghs_x' } })
    assert.ok(github instanceof GitHubRegistryBackend)
    assert.equal(github.description, 'GitHub acme/models')
    assert.ok(openRegistry({ backend: 'local', env: { GITHUB_REPOSITORY: 'acme/models', GITHUB_TOKEN: 'ghs_x' } }) instanceof LocalRegistryBackend)
  })

  it('says what is missing when GitHub is asked for without a repository', () => {
    assert.throws(() => openRegistry({ backend: 'github', env: { GITHUB_TOKEN: 'ghs_x' } }), {
      name: 'UsageError',
      message: "GITHUB_REPOSITORY is not set; expected 'owner/repo'. Run inside GitHub Actions or set GITHUB_REPOSITORY=owner/repo.",
    })
  })
})

describe('stagePolicy', () => {
  it('knows the deploy environments, the stage each requires first, and the protected stages of a spec', () => {
    const policy = stagePolicy(
      { deploy: [{ environment: 'staging' }, { environment: 'production', requires: 'staging' }], register: { bump: 'patch', protectedStages: ['production'], promoteRoles: ['maintain', 'admin'] } } as never,
      'models/churn/model.yaml',
    )
    assert.deepEqual(policy, {
      stages: ['staging', 'production'],
      protectedStages: ['production'],
      promoteRoles: ['maintain', 'admin'],
      requires: { production: 'staging' },
      source: 'models/churn/model.yaml',
    })
  })
})

describe('formatting for the CLI', () => {
  it('lists models as a table', () => {
    assert.equal(
      formatModelList([
        { model: 'churn', latest: 'v1.2.0', versions: 12, stages: { production: 'v1.1.0', staging: 'v1.2.0' }, deprecated: false },
        { model: 'models/price:price', latest: undefined, versions: 0, stages: {}, deprecated: true },
      ]),
      'MODEL                            LATEST  VERSIONS  STAGES\n' +
        'churn                            v1.2.0  12        production=v1.1.0 staging=v1.2.0\n' +
        'models/price:price (deprecated)  -       0         -\n',
    )
    assert.equal(formatModelList([]), 'No model is registered yet.\n')
  })

  it('shows a version and its history', () => {
    const at = new Date('2026-01-26T18:15:12Z')
    assert.equal(
      formatVersionDetails({
        model: 'churn', version: 'v1.2.0', tag: 'churn@v1.2.0', commit: 'a'.repeat(40), stages: ['production'],
        registered: { name: 'octocat', email: 'o@example.com', date: at }, lineage: { run: { url: 'https://github.com/acme/models/actions/runs/9' } },
        assets: [{ id: '1', name: 'model.onnx', size: 42, state: 'uploaded' }], published: true, deprecated: false,
      }),
      `churn@v1.2.0\n  commit      ${'a'.repeat(40)}\n  stages      production\n  registered  2026-01-26T18:15:12.000Z by octocat <o@example.com>\n  run         https://github.com/acme/models/actions/runs/9\n  release     published\n  asset       model.onnx  42 bytes\n`,
    )
    assert.equal(
      formatHistory([{ type: 'assigned', tag: 'churn#production#3', version: 'v1.2.0', stage: 'production', by: { name: 'bot', email: 'b@x' }, at, actor: 'alice', runUrl: undefined, note: undefined }]),
      'WHEN                  EVENT     VERSION  STAGE       BY     RUN  NOTE\n2026-01-26T18:15:12Z  assigned  v1.2.0   production  alice  -    -\n',
    )
  })
})
