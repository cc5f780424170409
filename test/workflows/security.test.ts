// Security rules every workflow keeps (STYLE rule 15, DESIGN §11), checked on the parsed YAML, and the
// shell steps that make the security decisions, run with bash as the runner would.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { REPO_ROOT } from '../support/run-action.js'
import { WORKFLOW_FOLDERS, workflowFiles } from './tools.js'

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
  env?: Record<string, string>
}
interface Job {
  'runs-on'?: unknown
  permissions?: unknown
  environment?: unknown
  if?: string
  uses?: string
  steps?: Step[]
}
interface Workflow {
  on: unknown
  jobs: Record<string, Job>
}

/** Repositories whose actions and workflows are ours, referenced by tag on purpose (see README "Workflows"). */
const FIRST_PARTY = 'modelship-dev/modelship/'

function load(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8')
  return { text, workflow: parseYaml(text) as Workflow }
}

function triggers(workflow: Workflow): string[] {
  const on = workflow.on
  if (typeof on === 'string') return [on]
  if (Array.isArray(on)) return on.map(String)
  return Object.keys(on as Record<string, unknown>)
}

const files = workflowFiles()
const PR_FILE = 'reusable-workflows/modelship-pr.yml'

test('the checks below read every workflow folder, the example repository\'s included', () => {
  for (const folder of WORKFLOW_FOLDERS) assert.ok(files.some((file) => file.startsWith(`${folder}/`)), `no workflow read from ${folder}/`)
})

test('no run: script splices ${{ }} into the shell: every value comes through env', () => {
  const offenders: string[] = []
  let scripts = 0
  for (const file of files) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.run !== undefined) scripts++
        if (step.run?.includes('${{')) offenders.push(`${file} job ${name} step ${step.id ?? step.run.split('\n')[0]}`)
      }
    }
  }
  assert.deepEqual(offenders, [])
  assert.ok(scripts >= 10, `expected the workflows to hold run: scripts, found ${scripts}`)
})

test('every third-party action is pinned to a full commit SHA with a # vX comment', () => {
  const offenders: string[] = []
  let pinned = 0
  for (const file of files) {
    const { text, workflow } = load(file)
    const uses = Object.values(workflow.jobs).flatMap((job) => [job.uses, ...(job.steps ?? []).map((step) => step.uses)])
    for (const ref of uses) {
      if (ref === undefined || ref.startsWith('./') || ref.startsWith(FIRST_PARTY)) continue
      const line = text.split('\n').find((l) => l.includes(`uses: ${ref}`)) ?? ''
      if (!/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) || !/ # v\d+(\.\d+)*\s*$/.test(line)) offenders.push(`${file}: ${line.trim()}`)
      else pinned++
    }
  }
  assert.deepEqual(offenders, [])
  assert.ok(pinned > 10, `expected the workflows to use pinned actions, found ${pinned}`)
})

test('every job declares its permissions, and only the comment, register, promote, deploy and rollback jobs may write', () => {
  const missing: string[] = []
  const writes: string[] = []
  for (const file of files) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      if (job.permissions === undefined) {
        missing.push(`${file} job ${name}`)
        continue
      }
      for (const [scope, level] of Object.entries(job.permissions as Record<string, string>)) {
        if (level === 'write') writes.push(`${file.replace(/^.*\//, '')} ${name} ${scope}`)
      }
    }
  }
  assert.deepEqual(missing, [])
  assert.deepEqual(writes.sort(), [
    'modelship-comment.yml comment pull-requests',
    // The gate runs no pull request code: it dispatches the training and removes stale labels.
    'modelship-gate.yml gate actions',
    'modelship-gate.yml gate pull-requests',
    'modelship-pr-gate.yml gate actions',
    'modelship-pr-gate.yml gate actions',
    'modelship-pr-gate.yml gate pull-requests',
    'modelship-pr-gate.yml gate pull-requests',
    // Deploy and rollback push deploy/<environment>.yaml, record a GitHub deployment and may open the
    // pull request of a change the protected default branch refused; their callers grant the same.
    ...['deploy', 'rollback'].flatMap((job) =>
      ['contents', 'deployments', 'pull-requests'].flatMap((scope) => [`modelship-dispatch.yml ${job} ${scope}`, `modelship-dispatch.yml ${job} ${scope}`]),
    ),
    ...['contents', 'deployments', 'pull-requests'].flatMap((scope) => [
      `modelship-dispatch.yml modelship ${scope}`,
      // retrain calls the merge flow, whose deploy job asks for them even when it deploys nothing.
      `modelship-dispatch.yml retrain ${scope}`,
      `modelship-dispatch.yml retrain ${scope}`,
      `modelship-merge.yml deploy ${scope}`,
      `modelship-merge.yml deploy ${scope}`,
      `modelship-merge.yml modelship ${scope}`,
    ]),
    'modelship-dispatch.yml promote contents',
    'modelship-dispatch.yml promote contents',
    'modelship-merge.yml register contents',
    'modelship-merge.yml register contents',
    'modelship-pr-comment.yml comment pull-requests',
    'modelship-pr-comment.yml comment pull-requests',
    'modelship-pr.yml modelship pull-requests',
    'modelship-pr.yml report pull-requests',
    'modelship-pr.yml report pull-requests',
    // The act fixture comments on the local GitHub double.
    'act-pr.yml train pull-requests',
    // The drift check keeps each model's drift issue and dispatches its retraining (the reusable
    // workflow, its published copy and the example's call).
    ...['actions', 'issues'].flatMap((scope) => [1, 2, 3].map(() => `modelship-drift.yml drift ${scope}`)),
  ].sort())
})

type Level = 'none' | 'read' | 'write'
const RANK: Record<Level, number> = { none: 0, read: 1, write: 2 }

/** Scope → level a `permissions:` value grants; `undefined` when it is not set (the repository default applies). */
function grants(permissions: unknown): ((scope: string) => Level) | undefined {
  if (permissions === undefined) return undefined
  if (permissions === 'read-all') return () => 'read'
  if (permissions === 'write-all') return () => 'write'
  const map = (permissions ?? {}) as Record<string, Level>
  return (scope) => map[scope] ?? 'none'
}

/** The reusable workflow a job calls, as a file here (first-party `uses:` only), else undefined. */
function calledWorkflow(uses: string | undefined): string | undefined {
  const match = uses?.match(/^(?:modelship-dev\/modelship\/|\.\/)\.github\/workflows\/([\w.-]+\.ya?ml)(?:@.*)?$/)
  return match ? `reusable-workflows/${match[1]}` : undefined
}

// GitHub refuses to start a run whose called workflow has a job asking for more than its caller
// grants ("The nested job ... is requesting 'pull-requests: read', but is only allowed 'none'"),
// even when that job would be skipped; act and actionlint do not check it across repositories.
test('every reusable workflow call grants what each nested job asks for', () => {
  const refused: string[] = []
  const check = (file: string, granted: (scope: string) => Level, via: string): void => {
    const { workflow } = load(file)
    const defaults = (workflow as { permissions?: unknown }).permissions
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const asked = job.permissions ?? defaults
      const scopes = asked === 'read-all' || asked === 'write-all' ? ['actions', 'contents', 'pull-requests'] : Object.keys((asked ?? {}) as object)
      const levels = grants(asked) ?? granted
      for (const scope of scopes) {
        if (RANK[levels(scope)] > RANK[granted(scope)]) refused.push(`${via} → ${file} job ${name}: asks ${scope}: ${levels(scope)}, granted ${granted(scope)}`)
      }
      const nested = calledWorkflow(job.uses)
      if (nested) check(nested, (scope) => (RANK[levels(scope)] < RANK[granted(scope)] ? levels(scope) : granted(scope)), `${via} → ${file} job ${name}`)
    }
  }
  let calls = 0
  for (const file of files.filter((f) => !f.startsWith('reusable-workflows/') && !f.startsWith('.github/workflows/modelship-'))) {
    const { workflow } = load(file)
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const called = calledWorkflow(job.uses)
      if (!called) continue
      const granted = grants(job.permissions) ?? grants((workflow as { permissions?: unknown }).permissions)
      assert.ok(granted, `${file} job ${name} calls ${called} without permissions`)
      check(called, granted, `${file} job ${name}`)
      calls++
    }
  }
  assert.deepEqual(refused, [])
  assert.equal(calls, 7, 'the example repository calls the seven reusable workflows')
})

// pull_request_target runs the default branch's workflow with a token that writes: only the gate may
// use it, and the gate runs nothing but actions/gate (no checkout, no script), so no pull request
// code ever runs there.
test('only the training gate runs on pull_request_target, and it runs no code of the pull request', () => {
  const onTarget = files.filter((file) => triggers(load(file).workflow).includes('pull_request_target'))
  assert.deepEqual(onTarget, ['example-repo/.github/workflows/modelship-gate.yml'])
  for (const job of Object.values(load(onTarget[0]!).workflow.jobs)) {
    assert.match(job.uses ?? '', /^modelship-dev\/modelship\/\.github\/workflows\/modelship-pr-gate\.yml@/)
    assert.equal(job.steps, undefined)
  }
  for (const file of ['reusable-workflows/modelship-pr-gate.yml', '.github/workflows/modelship-pr-gate.yml']) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      assert.equal(job.if, "github.event_name == 'pull_request_target'", `${file} job ${name}`)
      for (const step of job.steps ?? []) {
        assert.equal(step.run, undefined, `${file} job ${name} runs a script`)
        assert.match(step.uses ?? '', new RegExp(`^${FIRST_PARTY}actions/gate@`), `${file} job ${name} uses ${step.uses}`)
        assert.equal(step.with?.operation, 'approve')
      }
    }
  }
})

test('workflow_run jobs never check out code', () => {
  for (const file of ['reusable-workflows/modelship-pr-comment.yml', 'example-repo/.github/workflows/modelship-comment.yml']) {
    const { workflow } = load(file)
    for (const job of Object.values(workflow.jobs)) {
      assert.ok(!(job.steps ?? []).some((step) => step.uses?.startsWith('actions/checkout@')), `${file} checks out code`)
    }
  }
})

// A dispatched run trains a fork's commit: the approval is checked again before the checkout, and
// every job checks out the approved commit, not a branch the fork could move.
test('a dispatched pull-request run checks the approval first and checks out only the approved commit', () => {
  const { workflow } = load('reusable-workflows/modelship-pr.yml')
  const steps = workflow.jobs.validate!.steps!
  assert.equal(steps[0]!.id, 'gate')
  assert.equal((steps[0] as Step & { if?: string }).if, "github.event_name == 'workflow_dispatch'")
  assert.equal(steps[0]!.with?.operation, 'verify')
  assert.equal(steps[1]!.with?.ref, '${{ steps.gate.outputs.head-sha }}')
  for (const name of ['train', 'evaluate']) {
    const checkout = workflow.jobs[name]!.steps!.find((step) => step.uses?.startsWith('actions/checkout@'))
    assert.equal(checkout?.with?.ref, '${{ needs.validate.outputs.ref }}', `job ${name}`)
  }
  const example = load('example-repo/.github/workflows/modelship-pr.yml').workflow
  assert.deepEqual(triggers(example).sort(), ['pull_request', 'workflow_dispatch'])
  assert.deepEqual(Object.keys((example.on as { workflow_dispatch: { inputs: object } }).workflow_dispatch.inputs), ['pull-request', 'head-sha'])
})

test('every checkout leaves no token behind in .git/config', () => {
  for (const file of files) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/checkout@')) assert.equal(step.with?.['persist-credentials'], false, `${file} job ${name}`)
      }
    }
  }
})

// The published pull-request workflows are the ones a fork's pull request reaches; the act fixture
// is a local test workflow that act runs offline.
test('a job that may run on a self-hosted runner during a pull request is gated on the trust decision', () => {
  const gated: string[] = []
  for (const file of files.filter((f) => !f.startsWith('test/'))) {
    const { workflow } = load(file)
    // The sweep is called from pull requests too, and its trial jobs run on the spec's runners.
    const prWorkflow = triggers(workflow).includes('pull_request') || file.endsWith('/modelship-pr.yml') || file.endsWith('/modelship-sweep.yml')
    if (!prWorkflow) continue
    for (const [name, job] of Object.entries(workflow.jobs)) {
      const runsOn = JSON.stringify(job['runs-on'] ?? '')
      const maybeSelfHosted = runsOn.includes('${{') ? !runsOn.includes('inputs.evaluate-runs-on') : runsOn.includes('self-hosted')
      if (!maybeSelfHosted) continue
      assert.equal(job.if, "needs.validate.outputs.any == 'true' && needs.validate.outputs.train == 'true'", `${file} job ${name}`)
      // An environment named by an output or input would be the pull request's to choose.
      assert.equal(job.environment, undefined, `${file} job ${name}`)
      gated.push(`${file} ${name}`)
    }
  }
  assert.deepEqual(gated.sort(), [
    '.github/workflows/modelship-pr.yml train',
    '.github/workflows/modelship-sweep.yml trial',
    'reusable-workflows/modelship-pr.yml train',
    'reusable-workflows/modelship-sweep.yml trial',
  ])
})

test("every job that trains sets up the spec's Python first, with pip's downloads cached by its requirements file", () => {
  let trainers = 0
  for (const file of ['reusable-workflows/modelship-pr.yml', 'reusable-workflows/modelship-merge.yml']) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      const steps = job.steps ?? []
      const train = steps.findIndex((step) => step.uses?.startsWith(`${FIRST_PARTY}actions/train@`))
      if (train === -1) continue
      trainers++
      const setup = steps.findIndex((step) => step.uses?.startsWith('actions/setup-python@'))
      assert.ok(setup !== -1 && setup < train, `${file} job ${name}: no actions/setup-python before actions/train`)
      const step = steps[setup]!
      assert.match(step.uses!, /^actions\/setup-python@[0-9a-f]{40}$/)
      assert.match((step as Step & { if?: string }).if ?? '', /matrix\.python != ''/, `${file} job ${name}: set up Python only where the spec names one`)
      // The pull-request flow builds environments with uv and caches uv's folder instead of pip's.
      assert.deepEqual(
        step.with,
        file.endsWith('modelship-pr.yml')
          ? { 'python-version': '${{ matrix.python }}' }
          : {
              'python-version': '${{ matrix.python }}',
              cache: "${{ matrix.python-requirements != '' && 'pip' || '' }}",
              'cache-dependency-path': '${{ matrix.python-requirements }}',
            },
      )
    }
  }
  assert.equal(trainers, 2)
})

test("the pull-request training installs a pinned uv and caches its folder by the environment file, saving only in the pull request's own scope", () => {
  const steps = load(PR_FILE).workflow.jobs.train!.steps! as Array<Step & { if?: string }>
  const at = (predicate: (step: Step & { if?: string }) => boolean): number => steps.findIndex(predicate)
  const uv = at((step) => step.id === 'uv')
  const train = at((step) => step.id === 'train')
  assert.ok(at((step) => step.uses?.startsWith('actions/setup-python@') === true) < uv && uv < train)
  assert.equal(steps[uv]!.env?.UV_VERSION, '0.13.9')
  assert.match(steps[uv]!.run!, /pip install .*"uv==\$UV_VERSION"/)
  assert.match(steps[uv]!.run!, /UV_CACHE_DIR=/)
  const save = steps.find((step) => /^actions\/cache@[0-9a-f]{40}$/.test(step.uses ?? ''))
  const restore = steps.find((step) => /^actions\/cache\/restore@[0-9a-f]{40}$/.test(step.uses ?? ''))
  assert.equal(save?.if, "matrix.python-requirements != '' && github.event_name == 'pull_request'")
  assert.equal(restore?.if, "matrix.python-requirements != '' && github.event_name != 'pull_request'")
  for (const step of [save!, restore!]) {
    assert.equal(step.with?.path, '${{ steps.uv.outputs.dir }}')
    assert.match(String(step.with?.key), /py\$\{\{ matrix\.python \}\}-\$\{\{ hashFiles\(matrix\.python-requirements\) \}\}$/)
  }
  assert.ok(steps.indexOf(save!) < train && steps.indexOf(restore!) < train)
  // Nor does a dispatched run touch the training-output cache of the default branch.
  assert.equal(steps[train]!.with?.cache, "${{ github.event_name == 'pull_request' }}")
})

test('the published copies in .github/workflows are the reusable workflows, byte for byte', () => {
  for (const file of files.filter((f) => f.startsWith('reusable-workflows/'))) {
    const published = file.replace('reusable-workflows/', '.github/workflows/')
    assert.equal(readFileSync(join(REPO_ROOT, published), 'utf8'), readFileSync(join(REPO_ROOT, file), 'utf8'), `${published}: run npm run generate`)
  }
})

/** Runs the `run:` of step `id` in `job` of a reusable workflow with bash, as the runner does; returns GITHUB_OUTPUT and the log. */
function runStep(file: string, job: string, id: string, env: Record<string, string>, cwd: string = REPO_ROOT) {
  const step = load(file).workflow.jobs[job]?.steps?.find((s) => s.id === id)
  assert.ok(step?.run, `${file} has no step ${id} in job ${job}`)
  const dir = mkdtempSync(join(tmpdir(), 'modelship-step-'))
  try {
    const output = join(dir, 'output')
    const summary = join(dir, 'summary')
    writeFileSync(output, '')
    writeFileSync(summary, '')
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run], {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...env },
    })
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    return { status: result.status, outputs, log: result.stdout + result.stderr, summary: readFileSync(summary, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const PR = 'reusable-workflows/modelship-pr.yml'
const MODELS = '{"include":[{"model":"churn","spec":"models/churn/model.yaml","runs-on":["self-hosted","gpu"]}]}'
const trust = (env: Record<string, string>) =>
  runStep(PR, 'validate', 'trust', { EVENT_NAME: 'pull_request', REPO: 'acme/models', FORK_ENVIRONMENT: '', APPROVED: '', LABEL: 'modelship:train', MODELS, ...env })

test('trust: a pull request from this repository trains without approval', () => {
  const { status, outputs } = trust({ HEAD_REPO: 'acme/models' })
  assert.equal(status, 0)
  assert.deepEqual({ ...outputs, tree: /^[0-9a-f]{40}$/.test(outputs.tree ?? '') }, { any: 'true', tree: true, train: 'true' })
})

test('trust: a fork pull request is not trained, and the summary and a notice name the label that would train it', () => {
  const { status, outputs, log, summary } = trust({ HEAD_REPO: 'mallory/models' })
  assert.equal(status, 0)
  assert.equal(outputs.train, 'false')
  assert.match(log, /^::notice title=Modelship::Pull request from the fork mallory\/models: specs validated, nothing trained.*applies the 'modelship:train' label/m)
  assert.match(summary, /comes from the fork `mallory\/models`.*applies the `modelship:train` label to its head commit/)
})

test("trust: a fork's fork-environment input no longer trains it, and a warning says why", () => {
  const { status, outputs, log } = trust({ HEAD_REPO: 'mallory/models', FORK_ENVIRONMENT: 'fork-training' })
  assert.equal(status, 0)
  assert.equal(outputs.train, 'false')
  assert.match(log, /^::warning title=Modelship::the fork-environment input is ignored: a fork's pull request can edit its caller workflow/m)
})

test('trust: a dispatched run trains only with the approval of actions/gate', () => {
  assert.equal(trust({ EVENT_NAME: 'workflow_dispatch', HEAD_REPO: '', APPROVED: 'true' }).outputs.train, 'true')
  const unapproved = trust({ EVENT_NAME: 'workflow_dispatch', HEAD_REPO: '', APPROVED: '' })
  assert.equal(unapproved.status, 1)
  assert.equal(unapproved.outputs.train, undefined)
  assert.match(unapproved.log, /::error title=Modelship::a dispatched run trains only a head commit actions\/gate approved/)
})

test('trust: a head repository name with shell syntax stays data', () => {
  const marker = join(tmpdir(), `modelship-injected-${process.pid}`)
  const { status, outputs } = trust({ HEAD_REPO: `x/$(touch ${marker});\`touch ${marker}\`` })
  assert.equal(status, 0)
  assert.equal(outputs.train, 'false')
  assert.equal(existsSync(marker), false)
})

test('trust: no changed model means no training job', () => {
  assert.equal(trust({ HEAD_REPO: 'acme/models', MODELS: '{"include":[]}' }).outputs.any, 'false')
})

test('trust: called from pull_request_target, the flow fails and says how to call it', () => {
  const { status, log } = trust({ HEAD_REPO: 'mallory/models', EVENT_NAME: 'pull_request_target', APPROVED: 'true' })
  assert.equal(status, 1)
  assert.match(log, /::error title=Modelship::modelship-pr\.yml runs on pull_request and workflow_dispatch events only, not 'pull_request_target'/)
})

test("a dispatched run's outputs are named apart, so the merge flow never re-uses what a fork's code left", () => {
  for (const job of ['train', 'evaluate']) {
    assert.deepEqual(runStep(PR, job, 'name', { MODEL: 'vision:detector', EVENT_NAME: 'pull_request' }).outputs, { safe: 'vision=detector', run: 'modelship-run' })
    assert.deepEqual(runStep(PR, job, 'name', { MODEL: 'churn', EVENT_NAME: 'workflow_dispatch' }).outputs, { safe: 'churn', run: 'modelship-fork-run' })
  }
})

const MERGE = 'reusable-workflows/modelship-merge.yml'
test('merge: changes are counted from the push\'s previous commit, or from nothing when there is none', () => {
  const head = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).stdout.trim()
  const since = (env: Record<string, string>) => runStep(MERGE, 'plan', 'since', { MODEL: '', ...env }).outputs.ref
  assert.equal(since({ BEFORE: head }), head)
  assert.equal(since({ BEFORE: '0000000000000000000000000000000000000000' }), '')
  assert.equal(since({ BEFORE: '' }), '')
  assert.equal(since({ BEFORE: 'HEAD; rm -rf /' }), '')
  assert.equal(since({ BEFORE: 'f'.repeat(40) }), '', 'a commit that is not in the clone')
  assert.equal(since({ BEFORE: head, MODEL: 'churn' }), '', 'a retrain looks at every model')
})

test('merge: each new version is deployed to each environment in the order given, one entry per environment and version', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-deploy-plan-'))
  try {
    for (const [safe, model, version] of [['churn', 'churn', 'v1.3.0'], ['house-prices', 'house-prices', 'v0.2.0']]) {
      mkdirSync(join(dir, 'versions', `modelship-version-${safe}`), { recursive: true })
      writeFileSync(join(dir, 'versions', `modelship-version-${safe}`, 'version.json'), JSON.stringify({ model, version, tag: `${model}@${version}` }))
    }
    const plan = (environments: string, cwd = dir) => runStep(MERGE, 'deploy-plan', 'plan', { ENVIRONMENTS: environments }, cwd)
    const { status, outputs, summary } = plan('staging  production')
    assert.equal(status, 0)
    assert.equal(outputs.any, 'true')
    assert.deepEqual(JSON.parse(outputs.matrix!).include, [
      { environment: 'staging', model: 'churn', version: 'v1.3.0' },
      { environment: 'staging', model: 'house-prices', version: 'v0.2.0' },
      { environment: 'production', model: 'churn', version: 'v1.3.0' },
      { environment: 'production', model: 'house-prices', version: 'v0.2.0' },
    ])
    assert.match(summary, /^- deploy `churn` v1\.3\.0 to `staging`\n/)
    const bad = plan('staging $(id)')
    assert.equal(bad.status, 1)
    assert.match(bad.log, /deploy-environments: '\$\(id\)' is not an environment name/)
    const none = plan('staging', REPO_ROOT)
    assert.deepEqual([none.status, none.outputs.any, JSON.parse(none.outputs.matrix!).include], [0, 'false', []])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('every job that deploys runs under its GitHub environment without a deployment of its own, one never-cancelled group per environment', () => {
  const deployers: string[] = []
  for (const file of files) {
    for (const [name, job] of Object.entries(load(file).workflow.jobs)) {
      const step = (job.steps ?? []).find((candidate) => /^modelship-dev\/modelship\/actions\/(deploy|rollback)@/.test(candidate.uses ?? ''))
      if (step === undefined) continue
      deployers.push(`${file} ${name}`)
      const environment = (step.with?.environment ?? '') as string
      // GitHub's protection rules gate the job; the action records the deployment (ref: the desired-state commit).
      assert.deepEqual(job.environment, { name: environment, deployment: false }, `${file} job ${name}`)
      const concurrency = (job as Job & { concurrency?: unknown }).concurrency
      assert.deepEqual(concurrency, { group: `modelship-deploy-\${{ github.repository }}-${environment}`, 'cancel-in-progress': false }, `${file} job ${name}`)
      assert.deepEqual(job.permissions, { contents: 'write', deployments: 'write', 'pull-requests': 'write' }, `${file} job ${name}`)
    }
  }
  assert.deepEqual(deployers.sort(), [
    '.github/workflows/modelship-dispatch.yml deploy',
    '.github/workflows/modelship-dispatch.yml rollback',
    '.github/workflows/modelship-merge.yml deploy',
    'reusable-workflows/modelship-dispatch.yml deploy',
    'reusable-workflows/modelship-dispatch.yml rollback',
    'reusable-workflows/modelship-merge.yml deploy',
  ])
})

const DISPATCH = 'reusable-workflows/modelship-dispatch.yml'
test('dispatch: each missing or wrong input fails with what to give', () => {
  const run = (env: Record<string, string>) => {
    const step = load(DISPATCH).workflow.jobs.check!.steps![0]!
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', OPERATION: 'promote', MODEL: 'churn', VERSION: 'v1.0.0', STAGE: 'staging', ...env },
    })
    return { status: result.status, log: result.stdout + result.stderr }
  }
  assert.deepEqual(run({}), { status: 0, log: 'promote churn v1.0.0 staging\n' })
  assert.equal(run({ OPERATION: 'retrain', VERSION: '', STAGE: '' }).status, 0)
  assert.deepEqual(run({ OPERATION: 'deploy', STAGE: '', ENVIRONMENT: 'production' }), { status: 0, log: 'deploy churn v1.0.0 production\n' })
  assert.deepEqual(run({ OPERATION: 'rollback', VERSION: '', STAGE: '', ENVIRONMENT: 'production' }), { status: 0, log: 'rollback churn  production\n' })
  for (const [env, message] of [
    [{ MODEL: '' }, "input 'model' is empty: give the model's name, as in models/<name>/model.yaml"],
    [{ VERSION: '' }, "operation promote needs 'version', e.g. v1.3.0"],
    [{ STAGE: '' }, "operation promote needs 'stage', e.g. staging"],
    [{ OPERATION: 'deploy', ENVIRONMENT: 'staging', VERSION: '' }, "operation deploy needs 'version', e.g. v1.3.0"],
    [{ OPERATION: 'deploy', STAGE: '' }, "operation deploy needs 'environment', e.g. staging"],
    [{ OPERATION: 'rollback', STAGE: '' }, "operation rollback needs 'environment', e.g. production"],
    [{ OPERATION: 'retire' }, "operation 'retire' is not one of deploy, rollback, promote, retrain"],
  ] as const) {
    assert.deepEqual(run(env), { status: 1, log: `::error title=Modelship dispatch::${message}\n` })
  }
})

test("the fork comment job posts only the models GitHub lists as changed, and nothing when there are none", () => {
  for (const file of ['reusable-workflows/modelship-pr-comment.yml', '.github/workflows/modelship-pr-comment.yml']) {
    const steps = load(file).workflow.jobs.comment!.steps! as Array<Step & { if?: string }>
    const models = steps.find((step) => step.id === 'models')
    assert.match(models?.uses ?? '', new RegExp(`^${FIRST_PARTY}actions/gate@`))
    assert.deepEqual(models?.with, { operation: 'changed-models', 'pull-request': '${{ steps.pull.outputs.number }}' })
    // An empty `models` input means "every model" to actions/report: the download, and so the post, is skipped then.
    assert.match(steps.find((step) => step.id === 'download')?.if ?? '', /steps\.models\.outputs\.models != ''/)
    const report = steps.find((step) => step.uses?.startsWith(`${FIRST_PARTY}actions/report@`))
    assert.equal(report?.with?.models, '${{ steps.models.outputs.models }}')
    assert.match(report?.if ?? '', /steps\.download\.outcome == 'success'/)
  }
})

// Training code can read anything its job holds (a child reads its parent's /proc/<pid>/environ):
// a job that runs actions/train gets no write scope, so its token is worth nothing to a pull request;
// posting and registering happen in later, short jobs.
test('no job that runs training code holds a write token', () => {
  let trainers = 0
  for (const file of files) {
    const { workflow } = load(file)
    const defaults = (workflow as { permissions?: unknown }).permissions
    for (const [name, job] of Object.entries(workflow.jobs)) {
      if (!(job.steps ?? []).some((step) => step.uses?.includes('actions/train'))) continue
      trainers++
      const permissions = (job.permissions ?? defaults) as Record<string, string> | string | undefined
      assert.notEqual(permissions, undefined, `${file} job ${name} inherits the repository's default token`)
      assert.notEqual(permissions, 'write-all', `${file} job ${name}`)
      const writes = typeof permissions === 'object' ? Object.entries(permissions).filter(([, level]) => level === 'write').map(([scope]) => scope) : []
      // The act fixture posts to the local double from its train job; it never runs on GitHub.
      if (file === 'test/workflows/fixtures/act-pr.yml') continue
      assert.deepEqual(writes, [], `${file} job ${name} trains with write access to ${writes.join(', ')}`)
    }
  }
  assert.ok(trainers >= 4, `expected the pull-request and merge training jobs (and their published copies), found ${trainers}`)
})
