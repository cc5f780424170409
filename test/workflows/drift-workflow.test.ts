// The scheduled drift workflow: its job that lists the deployed models is run as the runner would
// run it (bash with GITHUB_OUTPUT), and its shape is checked: a matrix over that list, one run per
// model at a time, write scopes only on the drift job, and the example's schedule.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { parse } from 'yaml'
import { REPO_ROOT } from '../support/run-action.js'

interface Step { id?: string; run?: string; uses?: string; with?: Record<string, unknown>; env?: Record<string, string> }
interface Job { permissions?: Record<string, string>; steps?: Step[]; strategy?: { matrix: Record<string, unknown> }; concurrency?: { group: string; 'cancel-in-progress': boolean }; needs?: string; if?: string; uses?: string }
const workflow = parse(readFileSync(join(REPO_ROOT, 'reusable-workflows/modelship-drift.yml'), 'utf8')) as { jobs: Record<string, Job> }
const hasTools = ['yq', 'jq'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0)

function listModels(files: Record<string, string>): { status: number | null; output: string; stdout: string } {
  const dir = mkdtempSync(join(tmpdir(), 'drift-workflow-'))
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, 'repo', name, '..'), { recursive: true })
      writeFileSync(join(dir, 'repo', name), text)
    }
    const script = workflow.jobs.models!.steps!.find((s) => s.id === 'list')!.run!
    const output = join(dir, 'output')
    writeFileSync(output, '')
    const result = spawnSync('bash', ['-e', '-c', script], { cwd: dir, env: { ...process.env, ROOT: 'repo', GITHUB_OUTPUT: output }, encoding: 'utf8' })
    return { status: result.status, output: readFileSync(output, 'utf8'), stdout: result.stdout }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('modelship-drift.yml', () => {
  it('lists each deployed model once, across environments, as the matrix', { skip: hasTools ? false : 'yq and jq are not installed here (GitHub\'s ubuntu images have both)' }, () => {
    const result = listModels({
      'deploy/production.yaml': 'kind: Environment\nname: production\nmodels:\n  - { model: churn, version: v0.0.1 }\n  - { model: house-prices, version: v0.0.2 }\n',
      'deploy/staging.yaml': 'kind: Environment\nname: staging\nmodels:\n  - { model: churn, version: v0.0.3, traffic: 10 }\n',
      'deploy/empty.yaml': 'kind: Environment\nname: empty\nmodels: []\n',
    })
    assert.equal(result.status, 0)
    assert.equal(result.output, 'models=["churn","house-prices"]\n')
  })

  it('gives an empty list, with a warning, when nothing is deployed', { skip: hasTools ? false : 'yq and jq are not installed here' }, () => {
    const result = listModels({ 'models/README.md': 'no deploy folder\n' })
    assert.equal(result.status, 0)
    assert.equal(result.output, 'models=[]\n')
    assert.match(result.stdout, /::warning title=Modelship drift::no deploy\/\*\.yaml under 'repo': no deployed model to check/)
  })

  it('runs actions/drift per listed model, one run per model at a time, writing only issues and actions', () => {
    const { models, drift } = workflow.jobs
    assert.deepEqual(models!.permissions, { contents: 'read' })
    assert.deepEqual(drift!.strategy!.matrix, { model: '${{ fromJSON(needs.models.outputs.models) }}' })
    assert.equal(drift!.if, "needs.models.outputs.models != '[]'")
    assert.deepEqual(drift!.concurrency, { group: 'modelship-drift-${{ matrix.model }}', 'cancel-in-progress': false })
    assert.deepEqual(drift!.permissions, { contents: 'read', issues: 'write', actions: 'write' })
    const step = drift!.steps!.find((s) => s.id === 'drift')!
    assert.equal(step.uses, 'modelship-dev/modelship/actions/drift@v0')
    assert.equal(step.with!.model, '${{ matrix.model }}')
    assert.equal(readFileSync(join(REPO_ROOT, '.github/workflows/modelship-drift.yml'), 'utf8'), readFileSync(join(REPO_ROOT, 'reusable-workflows/modelship-drift.yml'), 'utf8'), 'the published copy is the same')
    const caller = parse(readFileSync(join(REPO_ROOT, 'example-repo/.github/workflows/modelship-drift.yml'), 'utf8')) as { on: { schedule: Array<{ cron: string }> }; jobs: Record<string, Job> }
    assert.deepEqual(caller.on.schedule, [{ cron: '0 6 * * *' }])
    assert.equal(caller.jobs.drift!.uses, 'modelship-dev/modelship/.github/workflows/modelship-drift.yml@v0')
  })
})
