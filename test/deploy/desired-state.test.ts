import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  DeployRefusedError,
  checkShares,
  emptyEnvironment,
  parseDesiredState,
  planDeploy,
  planRetire,
  planRollback,
  readDesiredState,
  renderDesiredState,
  writeDesiredState,
  type Environment,
} from '../../src/deploy/index.js'
import { SpecError } from '../../src/errors.js'

const temps: string[] = []
after(() => temps.forEach((dir) => rmSync(dir, { recursive: true, force: true })))
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-state-'))
  temps.push(dir)
  return dir
}

const commented = `# Production: reviewed by the on-call team.
apiVersion: modelship/v1
kind: Environment
name: production
models:
  # churn is the main model
  - model: churn
    version: v1.2.0 # stable since May
    traffic: 100
  - model: house-prices
    version: "0.3.0"
`

test('a file is parsed with defaults filled (traffic 100, leading v) in canonical order', () => {
  const state = parseDesiredState(commented, 'deploy/production.yaml', { models: new Set(['churn', 'house-prices']) })
  assert.deepEqual(state, {
    name: 'production',
    models: [
      { model: 'churn', version: 'v1.2.0', share: 100 },
      { model: 'house-prices', version: 'v0.3.0', share: 100 },
    ],
  })
})

test('shares that do not add up to 100, a wrong name and an unknown model are each reported with their line', () => {
  const text = `apiVersion: modelship/v1
kind: Environment
name: staging
models:
  - { model: churn, version: v1.0.0, traffic: 80 }
  - { model: churn, version: v1.1.0, traffic: 10 }
  - { model: ghost, version: v1.0.0 }
`
  assert.throws(
    () => parseDesiredState(text, 'deploy/production.yaml', { models: new Set(['churn']) }),
    (error: Error) => {
      assert.ok(error instanceof SpecError)
      assert.match(error.message, /deploy\/production\.yaml:3:7 name: 'staging' does not match the file name production\.yaml/)
      assert.match(error.message, /deploy\/production\.yaml:6:\d+ models\[1\]\.traffic: traffic of churn adds up to 90 \(v1\.0\.0: 80, v1\.1\.0: 10\)/)
      assert.match(error.message, /deploy\/production\.yaml:7:\d+ models\[2\]\.model: 'ghost' has no spec in this repository/)
      return true
    },
  )
})

test('without a model list any model name is accepted (states read from history)', () => {
  const text = 'apiVersion: modelship/v1\nkind: Environment\nname: staging\nmodels: [{ model: gone, version: v1.0.0 }]\n'
  assert.deepEqual(parseDesiredState(text, 'deploy/staging.yaml').models, [{ model: 'gone', version: 'v1.0.0', share: 100 }])
})

test('a canary deploy gives the new version its share and the stable version the rest', () => {
  const state: Environment = { name: 'production', models: [{ model: 'churn', version: 'v1.2.0', share: 100 }] }
  const plan = planDeploy(state, { model: 'churn', version: 'v1.3.0', share: 10 })
  assert.equal(plan.changed, true)
  assert.deepEqual(plan.state.models, [
    { model: 'churn', version: 'v1.2.0', share: 90 },
    { model: 'churn', version: 'v1.3.0', share: 10 },
  ])
  assert.equal(plan.summary, 'churn v1.3.0 10%, v1.2.0 90%')
  assert.deepEqual(plan.before, [{ model: 'churn', version: 'v1.2.0', share: 100 }])
  // The input is not changed: plans are pure.
  assert.deepEqual(state.models, [{ model: 'churn', version: 'v1.2.0', share: 100 }])
})

test('a new canary replaces an earlier one; the stable version is the one with the most traffic', () => {
  const state: Environment = {
    name: 'production',
    models: [
      { model: 'churn', version: 'v1.2.0', share: 80 },
      { model: 'churn', version: 'v1.3.0', share: 20 },
      { model: 'other', version: 'v0.0.1', share: 100 },
    ],
  }
  const plan = planDeploy(state, { model: 'churn', version: 'v1.4.0', share: 25 })
  assert.deepEqual(plan.state.models, [
    { model: 'churn', version: 'v1.2.0', share: 75 },
    { model: 'churn', version: 'v1.4.0', share: 25 },
    { model: 'other', version: 'v0.0.1', share: 100 },
  ])
})

test('raising a canary keeps the stable version; 100 replaces every version; a first deploy takes all traffic', () => {
  const state: Environment = {
    name: 'production',
    models: [
      { model: 'churn', version: 'v1.2.0', share: 90 },
      { model: 'churn', version: 'v1.3.0', share: 10 },
    ],
  }
  assert.deepEqual(planDeploy(state, { model: 'churn', version: 'v1.3.0', share: 50 }).state.models, [
    { model: 'churn', version: 'v1.2.0', share: 50 },
    { model: 'churn', version: 'v1.3.0', share: 50 },
  ])
  assert.deepEqual(planDeploy(state, { model: 'churn', version: 'v1.3.0', share: 100 }).state.models, [{ model: 'churn', version: 'v1.3.0', share: 100 }])
  assert.deepEqual(planDeploy(emptyEnvironment('staging'), { model: 'churn', version: 'v1.0.0', share: 10 }).state.models, [
    { model: 'churn', version: 'v1.0.0', share: 100 },
  ])
})

test('deploying what the state already says is a no-op', () => {
  const state: Environment = { name: 'staging', models: [{ model: 'churn', version: 'v1.0.0', share: 100 }] }
  const plan = planDeploy(state, { model: 'churn', version: 'v1.0.0', share: 100 })
  assert.equal(plan.changed, false)
})

test('a share outside (0, 100] and a version that is not one are refused', () => {
  const state = emptyEnvironment('staging')
  for (const share of [0, -5, 101, Number.NaN]) {
    assert.throws(() => planDeploy(state, { model: 'churn', version: 'v1.0.0', share }), (error: Error) => {
      assert.ok(error instanceof DeployRefusedError)
      assert.match(error.message, /is not a share; expected a percent above 0 and at most 100/)
      return true
    })
  }
  assert.throws(() => planDeploy(state, { model: 'churn', version: '1.0', share: 100 }), /'1\.0' is not a version; expected v<major>\.<minor>\.<patch>/)
})

test('rollback restores the given entries; retire removes the model', () => {
  const state: Environment = {
    name: 'production',
    models: [
      { model: 'churn', version: 'v1.2.0', share: 90 },
      { model: 'churn', version: 'v1.3.0', share: 10 },
      { model: 'other', version: 'v0.0.1', share: 100 },
    ],
  }
  const back = planRollback(state, { model: 'churn', restore: [{ model: 'churn', version: 'v1.2.0', share: 100 }] })
  assert.deepEqual(back.state.models, [
    { model: 'churn', version: 'v1.2.0', share: 100 },
    { model: 'other', version: 'v0.0.1', share: 100 },
  ])
  assert.throws(() => planRollback(state, { model: 'churn', restore: [{ model: 'churn', version: 'v1.2.0', share: 50 }] }), /traffic of churn in environment 'production' adds up to 50/)
  assert.throws(() => planRollback(state, { model: 'churn', restore: [{ model: 'other', version: 'v1.2.0', share: 100 }] }), /cannot restore other@v1\.2\.0 as a state of churn/)
  const retired = planRetire(state, 'churn')
  assert.deepEqual(retired.state.models, [{ model: 'other', version: 'v0.0.1', share: 100 }])
  assert.equal(planRetire(retired.state, 'churn').changed, false)
})

test('checkShares refuses duplicates and shares outside 0-100', () => {
  assert.throws(
    () => checkShares({ name: 's', models: [{ model: 'a', version: 'v1.0.0', share: 50 }, { model: 'a', version: 'v1.0.0', share: 50 }] }),
    /a@v1\.0\.0 is listed twice in environment 's'/,
  )
  assert.throws(() => checkShares({ name: 's', models: [{ model: 'a', version: 'v1.0.0', share: 120 }] }), /share 120 .* a percent from 0 to 100/)
})

test('rendering keeps the comments of the file, edits entries in place and is deterministic', () => {
  const state = parseDesiredState(commented, 'deploy/production.yaml')
  const plan = planDeploy(state, { model: 'churn', version: 'v1.3.0', share: 10 })
  const text = renderDesiredState(plan.state, commented)
  assert.equal(
    text,
    `# Production: reviewed by the on-call team.
apiVersion: modelship/v1
kind: Environment
name: production
models:
  # churn is the main model
  - model: churn
    version: v1.2.0 # stable since May
    traffic: 90
  - model: churn
    version: v1.3.0
    traffic: 10
  - model: house-prices
    version: v0.3.0
    traffic: 100
`,
  )
  // The same state renders the same text, and the text parses back to the state.
  assert.equal(renderDesiredState(plan.state, text), text)
  assert.deepEqual(parseDesiredState(text, 'deploy/production.yaml'), plan.state)
  // Order of the input does not matter.
  assert.equal(renderDesiredState({ ...plan.state, models: [...plan.state.models].reverse() }, commented), text)
})

test('a new file has a header, and an emptied one is models: []', () => {
  const text = renderDesiredState({ name: 'staging', models: [{ model: 'churn', version: 'v1.0.0', share: 100 }] })
  assert.match(text, /^# Desired state of the staging environment/)
  assert.match(text, /\nname: staging\nmodels:\n  - model: churn\n    version: v1\.0\.0\n    traffic: 100\n$/)
  assert.match(renderDesiredState(emptyEnvironment('staging'), text), /\nmodels: \[\]\n$/)
  assert.deepEqual(parseDesiredState(text, 'deploy/staging.yaml').models, [{ model: 'churn', version: 'v1.0.0', share: 100 }])
})

test('read: a missing file is an empty state, an unreadable one an error that says so, a write is atomic', async () => {
  const root = tempDir()
  assert.deepEqual(await readDesiredState(root, 'staging'), { file: 'deploy/staging.yaml', state: emptyEnvironment('staging') })
  const written = await writeDesiredState(root, { name: 'staging', models: [{ model: 'churn', version: 'v1.0.0', share: 100 }] })
  const read = await readDesiredState(root, 'staging', { models: new Set(['churn']) })
  assert.equal(read.text, written)
  assert.deepEqual(read.state.models, [{ model: 'churn', version: 'v1.0.0', share: 100 }])
  // No temporary file is left beside it.
  assert.deepEqual(readdirSync(join(root, 'deploy')), ['staging.yaml'])
  // A state that does not add up is refused before anything is written.
  await assert.rejects(writeDesiredState(root, { name: 'staging', models: [{ model: 'churn', version: 'v1.0.0', share: 40 }] }), DeployRefusedError)
  assert.equal(readFileSync(join(root, 'deploy/staging.yaml'), 'utf8'), written)

  mkdirSync(join(root, 'deploy/production.yaml'))
  await assert.rejects(readDesiredState(root, 'production'), /deploy\/production\.yaml is not a file/)
  writeFileSync(join(root, 'deploy/qa.yaml'), 'x')
  chmodSync(join(root, 'deploy/qa.yaml'), 0o000)
  if (process.getuid?.() !== 0) await assert.rejects(readDesiredState(root, 'qa'), /could not read deploy\/qa\.yaml \(EACCES\)/)
})
