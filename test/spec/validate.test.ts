import assert from 'node:assert/strict'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, it } from 'node:test'
import { SpecError } from '../../src/errors.js'
import { InvalidSpecError, formatProblem, loadEnvironmentSpec, loadModelSpec, validateRepository } from '../../src/spec/index.js'
import { BASE_REPO } from './corpus.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const root = mkdtempSync(join(tmpdir(), 'modelship-validate-'))
cpSync(BASE_REPO, root, { recursive: true })
after(() => rmSync(root, { recursive: true, force: true }))

// Break the prices spec and the staging environment, so that validating only other paths shows
// the selection really narrows what is read.
writeFileSync(join(root, 'models/prices/model.yaml'), 'apiVersion: modelship/v1\nkind: Model\nname: prices\ntask: regresion\n')
writeFileSync(join(root, 'deploy/staging.yaml'), 'apiVersion: modelship/v1\nkind: Environment\nname: staging\nmodels: [{ model: nobody, version: v1.0.0 }]\n')

describe('validateRepository', () => {
  it('finds example-repo valid, with both of its models', async () => {
    const report = await validateRepository(join(REPO, 'example-repo'))
    assert.deepEqual(report.problems.map(formatProblem), [])
    assert.equal(report.valid, true)
    const churn = report.models.find((model) => model.name === 'churn')
    assert.equal(churn?.spec?.task, 'binary-classification')
    assert.deepEqual(churn?.spec?.data.sensitiveFeatures, ['gender'])
    assert.deepEqual(
      report.models.map((model) => model.spec?.task).sort(),
      ['binary-classification', 'regression'],
    )
    assert.deepEqual(report.environments.map((environment) => environment.name).sort(), ['production', 'staging'])
  })

  it('validates every spec of a repository and reports all problems sorted', async () => {
    const report = await validateRepository(root)
    assert.equal(report.root, root)
    assert.deepEqual(report.problems.map(formatProblem), [
      "deploy/staging.yaml:4:19 models[0].model: 'nobody' has no spec in this repository; expected one of: churn, prices",
      'models/prices/model.yaml:1:1 data: missing required key \'data\': training and test data and the roles of their columns; add it',
      "models/prices/model.yaml:1:1 train: missing required key 'train': how the model is trained; add it",
      "models/prices/model.yaml:4:7 task: 'regresion' is not a valid task; expected one of: binary-classification, multiclass-classification, regression; did you mean 'regression'?",
    ])
    assert.equal(report.valid, false)
  })

  it('validates only the given folders and files', async () => {
    const report = await validateRepository(root, { paths: ['models/churn', 'deploy/production.yaml'] })
    assert.deepEqual(report.models.map((model) => model.file), ['models/churn/model.yaml'])
    assert.deepEqual(report.environments.map((environment) => environment.file), ['deploy/production.yaml'])
    assert.equal(report.valid, true)
  })

  it('validates every environment of the deploy folder', async () => {
    const report = await validateRepository(root, { paths: ['deploy'] })
    assert.deepEqual(report.models, [])
    assert.deepEqual(report.environments.map((environment) => environment.file), ['deploy/production.yaml', 'deploy/staging.yaml'])
  })

  it('tells a spec outside models/ and deploy/ apart by its kind', async () => {
    mkdirSync(join(root, 'specs'), { recursive: true })
    writeFileSync(join(root, 'specs/extra.yaml'), 'apiVersion: modelship/v1\nkind: Environment\nname: extra\n')
    const report = await validateRepository(root, { paths: ['specs/extra.yaml'] })
    assert.deepEqual(report.environments.map((environment) => [environment.name, environment.spec?.models]), [['extra', []]])
    assert.equal(report.valid, true)
  })

  it('reports a repository root that is not a folder', async () => {
    const missing = join(root, 'no-such-repo')
    const report = await validateRepository(missing)
    assert.deepEqual(report.problems.map(formatProblem), [`.:1:1 repository root ${missing} is not a folder; run from the repository or pass its path`])
    assert.equal(report.valid, false)
  })

  it('reports a given path that does not exist', async () => {
    const report = await validateRepository(root, { paths: ['models/nope'] })
    assert.deepEqual(report.problems.map(formatProblem), [
      `models/nope:1:1 does not exist; expected a spec file or a folder holding specs, relative to ${root}`,
    ])
    assert.equal(report.valid, false)
  })
})

describe('loadModelSpec and loadEnvironmentSpec', () => {
  it('loads a valid spec', async () => {
    const spec = await loadModelSpec(root, 'models/churn/model.yaml')
    assert.equal(spec.name, 'churn')
    assert.deepEqual(spec.train.compute.runsOn, ['self-hosted', 'linux', 'gpu'])
    const environment = await loadEnvironmentSpec(root, 'deploy/production.yaml')
    assert.deepEqual(environment, { apiVersion: 'modelship/v1', kind: 'Environment', name: 'production', models: [] })
  })

  it('throws a SpecError listing every problem, one formatted line each', async () => {
    await assert.rejects(loadModelSpec(root, 'models/prices/model.yaml'), (error: unknown) => {
      assert.ok(error instanceof SpecError)
      assert.ok(error instanceof InvalidSpecError)
      assert.equal(error.problems.length, 3)
      assert.equal(
        error.message,
        [
          'models/prices/model.yaml is not a valid spec (3 problems):',
          "  models/prices/model.yaml:1:1 data: missing required key 'data': training and test data and the roles of their columns; add it",
          "  models/prices/model.yaml:1:1 train: missing required key 'train': how the model is trained; add it",
          "  models/prices/model.yaml:4:7 task: 'regresion' is not a valid task; expected one of: binary-classification, multiclass-classification, regression; did you mean 'regression'?",
        ].join('\n'),
      )
      return true
    })
    await assert.rejects(loadEnvironmentSpec(root, 'deploy/staging.yaml'), /'nobody' has no spec in this repository/)
  })
})
