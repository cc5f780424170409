import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { evaluateModel, findModelSpec, writeEvaluation } from '../../src/evaluate/index.js'
import { assembleAssets } from '../../src/registry/assemble.js'
import type { ReferenceProfile } from '../../src/registry/reference-profile.js'
import { RunRecordSchema, type RunRecord } from '../../src/train/run-record.js'
import { churnRepository, FIXTURES, ROOT } from '../evaluate/helpers.js'

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')
const ASSETS = ['evaluation.json', 'model-card.md', 'model.onnx', 'reference-profile.json', 'run.json', 'spec.yaml']

/** A made-up run record of `model`, trained on `train` (repository-relative) at `root`: valid by the schema. */
function runRecord(model: string, root: string, train: string, test: string): RunRecord {
  const fact = (path: string) => ({ path, sha256: sha256(join(root, path)), bytes: readFileSync(join(root, path)).length })
  return RunRecordSchema.parse({
    schemaVersion: 1,
    id: '20260126T181512Z-3fa9c1',
    model,
    command: ['python', 'train.py'],
    params: { C: 1 },
    metrics: { accuracy: 0.8 },
    environment: { kind: 'none', key: 'none', platform: 'linux-x64' },
    gpu: null,
    timing: { startedAt: '2026-01-26T18:15:12.000Z', endedAt: '2026-01-26T18:15:42.500Z', durationMs: 30500 },
    attempts: [],
    cache: { enabled: false, hit: false, key: 'k' },
    commit: { sha: 'a'.repeat(40), dirty: false },
    data: { train: fact(train), test: fact(test) },
    specHash: null,
    workflowRunUrl: 'https://github.com/acme/models/actions/runs/7',
    outputs: [],
  })
}

/** A run folder: the model file and a run.json. */
function runFolder(model: string, record: RunRecord): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-run-'))
  copyFileSync(model, join(dir, 'model.onnx'))
  writeFileSync(join(dir, 'run.json'), `${JSON.stringify(record, null, 2)}\n`)
  return dir
}

describe('assembleAssets: churn (CSV, binary classification)', () => {
  const repo = churnRepository()
  const scratch: string[] = [repo.dir]
  const temp = (prefix: string) => {
    const dir = mkdtempSync(join(tmpdir(), prefix))
    scratch.push(dir)
    return dir
  }
  let runDir: string
  let evaluationFile: string
  let spec: Awaited<ReturnType<typeof findModelSpec>>
  const options = (overrides: Record<string, string> = {}) => ({ repoRoot: repo.dir, specFile: spec.file, spec: spec.spec, runDir, evaluationFile, outDir: temp('modelship-out-'), ...overrides })

  before(async () => {
    spec = await findModelSpec(repo.dir, 'churn')
    runDir = runFolder(join(repo.dir, 'models-in/candidate.onnx'), runRecord('churn', repo.dir, 'data/churn/train.csv', 'data/churn/test.csv'))
    scratch.push(runDir)
    evaluationFile = join(runDir, 'evaluation.json')
    await writeEvaluation(evaluationFile, await evaluateModel({ repoRoot: repo.dir, spec: spec.spec, candidatePath: runDir, pathsRelativeTo: repo.dir }))
  })
  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
  })

  it('writes the six assets: copies byte for byte, a model card and the profile of the training data', async () => {
    const outDir = temp('modelship-out-')
    const assembled = await assembleAssets({ ...options(), outDir })
    assert.deepEqual(readdirSync(outDir).sort(), ASSETS)
    assert.equal(assembled.dir, outDir)
    assert.deepEqual(Object.keys(assembled.files).sort(), ASSETS)
    assert.equal(sha256(join(outDir, 'model.onnx')), sha256(join(ROOT, FIXTURES.candidate)))
    assert.equal(readFileSync(join(outDir, 'run.json'), 'utf8'), readFileSync(join(runDir, 'run.json'), 'utf8'))
    assert.equal(readFileSync(join(outDir, 'evaluation.json'), 'utf8'), readFileSync(evaluationFile, 'utf8'))
    assert.equal(readFileSync(join(outDir, 'spec.yaml'), 'utf8'), readFileSync(join(repo.dir, 'models/churn/model.yaml'), 'utf8'))
    assert.equal(assembled.evaluation.passed, true)
    assert.equal(assembled.run.id, '20260126T181512Z-3fa9c1')

    const profile = JSON.parse(readFileSync(join(outDir, 'reference-profile.json'), 'utf8')) as ReferenceProfile
    const trainCsv = readFileSync(join(repo.dir, 'data/churn/train.csv'), 'utf8').trim().split('\n')
    assert.equal(profile.schema, 'modelship/reference-profile@2')
    assert.equal(profile.rowCount, trainCsv.length - 1)
    assert.deepEqual(Object.keys(profile.features), ['tenure', 'monthly_charges', 'contract', 'support_calls', 'churned'])
    assert.equal(profile.features.contract!.kind, 'categorical')
    assert.equal(profile.features.tenure!.kind, 'numeric')
    const header = trainCsv[0]!.split(',')
    const contracts = new Map<string, number>()
    for (const row of trainCsv.slice(1)) {
      const value = row.split(',')[header.indexOf('contract')]!
      contracts.set(value, (contracts.get(value) ?? 0) + 1)
    }
    const contract = profile.features.contract as Extract<ReferenceProfile['features'][string], { kind: 'categorical' }>
    assert.deepEqual(new Map(contract.categories.map((c) => [c.value, c.count])), contracts)

    const card = readFileSync(join(outDir, 'model-card.md'), 'utf8')
    assert.ok(card.startsWith('# Model card: churn\n'), card.slice(0, 80))
    assert.ok(card.includes('- **Training run:** https://github.com/acme/models/actions/runs/7'))
    assert.ok(card.includes(`- **Training data:** \`data/churn/train.csv\``))
    assert.ok(card.includes(`| roc_auc ↑ | ${Number(assembled.evaluation.candidate.metrics.roc_auc!.toPrecision(4))} |`), card)
    assert.ok(card.includes('### `gender`'))
  })

  it('refuses an evaluation that judged another model file, naming both checksums and the fix', async () => {
    const other = runFolder(join(repo.dir, 'models-in/champion.onnx'), runRecord('churn', repo.dir, 'data/churn/train.csv', 'data/churn/test.csv'))
    scratch.push(other)
    const outDir = temp('modelship-out-')
    const judged = (JSON.parse(readFileSync(evaluationFile, 'utf8')) as { candidate: { path: string } }).candidate.path
    await assert.rejects(assembleAssets({ ...options(), runDir: other, outDir }), {
      name: 'RegistryConflictError',
      message: `${evaluationFile} judged another model (sha256 ${sha256(join(runDir, 'model.onnx')).slice(0, 12)}…, ${judged}) than ${join(other, 'model.onnx')} (sha256 ${sha256(join(other, 'model.onnx')).slice(0, 12)}…); evaluate this run's model.onnx, then register: modelship evaluate churn --candidate ${other} --out ${evaluationFile}`,
    })
    assert.deepEqual(readdirSync(outDir), [], 'nothing is written before every check passed')
  })

  it('refuses a run of another model, a folder without run.json or model.onnx, and a broken run.json', async () => {
    const wrong = runFolder(join(repo.dir, 'models-in/candidate.onnx'), runRecord('prices', repo.dir, 'data/churn/train.csv', 'data/churn/test.csv'))
    scratch.push(wrong)
    await assert.rejects(assembleAssets({ ...options(), runDir: wrong }), {
      name: 'RegistryConflictError',
      message: `${join(wrong, 'run.json')} is a run of model 'prices', not of 'churn'; pass the run folder of churn (modelship train churn writes .modelship/outputs/churn)`,
    })
    const empty = temp('modelship-run-')
    await assert.rejects(assembleAssets({ ...options(), runDir: empty }), {
      name: 'RegistryNotFoundError',
      message: `the run folder ${empty} has no model.onnx; pass the folder that modelship train (or actions/train's output-dir) wrote`,
    })
    copyFileSync(join(repo.dir, 'models-in/candidate.onnx'), join(empty, 'model.onnx'))
    await assert.rejects(assembleAssets({ ...options(), runDir: empty }), {
      name: 'RegistryNotFoundError',
      message: `the run folder ${empty} has no run.json; pass the folder that modelship train (or actions/train's output-dir) wrote, which holds model.onnx and run.json`,
    })
    writeFileSync(join(empty, 'run.json'), '{"schemaVersion": 1, "id": "x"}')
    await assert.rejects(assembleAssets({ ...options(), runDir: empty }), {
      name: 'DataError',
      message: `${join(empty, 'run.json')} is not a run record this release reads (id: Invalid string: must match pattern /^\\d{8}T\\d{6}Z-[0-9a-f]{6}$/); train again with this release of Modelship to write it anew`,
    })
  })

  it('refuses when the training data changed since the run: the profile must describe what the model learned from', async () => {
    const changed = churnRepository()
    scratch.push(changed.dir)
    const trainPath = join(changed.dir, 'data/churn/train.csv')
    const before = sha256(trainPath)
    writeFileSync(trainPath, readFileSync(trainPath, 'utf8').trimEnd().split('\n').slice(0, -1).join('\n') + '\n')
    await assert.rejects(assembleAssets({ ...options(), repoRoot: changed.dir }), {
      name: 'RegistryConflictError',
      message: `the training data data/churn/train.csv is not what run 20260126T181512Z-3fa9c1 trained on (sha256 ${sha256(trainPath).slice(0, 12)}… now, ${before.slice(0, 12)}… in run.json); the reference profile must describe the data the model learned from: train again on the current data, or check out the commit the run trained at`,
    })
  })

  it('refuses an evaluation that did not pass, listing the failed checks', async () => {
    const strict = churnRepository({ gates: '    - { metric: roc_auc, threshold: 0.99 }' })
    scratch.push(strict.dir)
    const strictSpec = await findModelSpec(strict.dir, 'churn')
    const failed = join(temp('modelship-eval-'), 'evaluation.json')
    await writeEvaluation(failed, await evaluateModel({ repoRoot: strict.dir, spec: strictSpec.spec, candidatePath: runDir, explain: false }))
    await assert.rejects(assembleAssets({ ...options(), evaluationFile: failed }), {
      name: 'GateFailedError',
      message: `the evaluation of churn in ${failed} did not pass (1 of 3 checks failed: threshold on roc_auc); only a model that passed its evaluation is registered: improve the model, train and evaluate again`,
    })
  })
})

describe('assembleAssets: house-prices of example-repo (Parquet, regression)', () => {
  const root = join(ROOT, 'example-repo')
  const scratch: string[] = []
  after(() => {
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
  })

  it('profiles the Parquet training data (features and the target) and copies the committed spec', async () => {
    const { file, spec } = await findModelSpec(root, 'house-prices')
    const runDir = runFolder(join(ROOT, FIXTURES.housePrices), runRecord('house-prices', root, 'data/house-prices/train.parquet', 'data/house-prices/test.parquet'))
    const outDir = mkdtempSync(join(tmpdir(), 'modelship-out-'))
    scratch.push(runDir, outDir)
    const evaluationFile = join(runDir, 'evaluation.json')
    await writeEvaluation(evaluationFile, await evaluateModel({ repoRoot: root, spec, candidatePath: runDir, explain: false }))
    const assembled = await assembleAssets({ repoRoot: root, specFile: file, spec, runDir, evaluationFile, outDir })
    assert.equal(assembled.evaluation.passed, true)
    assert.deepEqual(readdirSync(outDir).sort(), ASSETS)
    assert.equal(readFileSync(join(outDir, 'spec.yaml'), 'utf8'), readFileSync(join(root, 'models/house-prices/model.yaml'), 'utf8'))
    const profile = JSON.parse(readFileSync(join(outDir, 'reference-profile.json'), 'utf8')) as ReferenceProfile
    assert.deepEqual(Object.keys(profile.features), ['sqft', 'bedrooms', 'age', 'distance_km', 'neighborhood', 'price'])
    assert.equal(profile.features.neighborhood!.kind, 'categorical')
    const price = profile.features.price!
    assert.equal(price.kind, 'numeric')
    if (price.kind === 'numeric') {
      assert.equal(price.count, profile.rowCount)
      assert.equal(price.histogram.counts.reduce((a, b) => a + b, 0), profile.rowCount)
      assert.ok(price.min! < price.quantiles.find((q) => q.q === 0.5)!.value! && price.quantiles.find((q) => q.q === 0.5)!.value! < price.max!)
    }
    const card = readFileSync(join(outDir, 'model-card.md'), 'utf8')
    assert.ok(card.includes('Estimates the sale price of a house in dollars'))
    assert.ok(card.includes('| r2 ↑ |'))
    assert.ok(card.includes('Not evaluated: the spec has no `evaluate.fairness`.'))
  })
})
