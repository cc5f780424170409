// modelship init: what it infers from data, what it writes (and that the real validate and train
// accept it as written), and every refusal: overwriting, a missing target, a target with one value,
// data outside the repository.
import assert from 'node:assert/strict'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, describe, test } from 'node:test'
import { CALLER_WORKFLOWS } from '../../src/init/callers.js'
import { isSensitiveName } from '../../src/init/index.js'
import { cli } from '../cli/train-fixture.js'

const EXAMPLE = resolve(import.meta.dirname, '../../example-repo')
const folders: string[] = []
after(() => folders.forEach((dir) => rmSync(dir, { recursive: true, force: true })))

/** An empty repository holding data/train.csv and data/test.csv (example-repo's churn data unless given). */
function repo(train?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-init-'))
  folders.push(dir)
  mkdirSync(join(dir, 'data'))
  if (train === undefined) {
    cpSync(join(EXAMPLE, 'data/churn/train.csv'), join(dir, 'data/train.csv'))
    cpSync(join(EXAMPLE, 'data/churn/test.csv'), join(dir, 'data/test.csv'))
  } else {
    writeFileSync(join(dir, 'data/train.csv'), train)
  }
  return dir
}

describe('modelship init', () => {
  test('infers the churn model, writes every file, and validate accepts it as written', async () => {
    const dir = repo()
    const result = await cli(['init', '--data', 'data/train.csv', '--target', 'churned', '--name', 'churn'], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^model churn: binary-classification \('churned' holds 2 distinct whole numbers \(0, 1\), at most 20\)$/m)
    assert.match(result.stdout, /^features: tenure \(numeric\), monthly_charges \(numeric\), contract \(categorical\), support_calls \(numeric\)$/m)
    assert.match(result.stdout, /^left out: customer_id \(an identifier: every value is different\)$/m)
    assert.match(result.stdout, /^proposed sensitive features: gender /m)
    const spec = readFileSync(join(dir, 'models/churn/model.yaml'), 'utf8')
    assert.equal(spec.split('\n')[0], '# yaml-language-server: $schema=https://modelship.dev/schemas/model.schema.json')
    assert.match(spec, /^ {2}test: data\/test\.csv$/m, 'the sibling test file is found')
    assert.match(spec, /^ {2}# sensitive-features: \[gender\]$/m, 'proposed, not enabled')
    assert.doesNotMatch(spec, /^ {2}sensitive-features/m)
    for (const path of ['models/churn/train.py', 'models/churn/requirements.txt', 'models/churn/train.mjs', 'deploy/staging.yaml', 'deploy/production.yaml', '.github/workflows/modelship-pr.yml']) {
      assert.ok(existsSync(join(dir, path)), path)
    }
    assert.match(readFileSync(join(dir, '.gitignore'), 'utf8'), /^\.modelship\/$/m)
    const validated = await cli(['validate'], dir)
    assert.equal(validated.code, 0, validated.stdout + validated.stderr)
    assert.equal(validated.stdout, 'valid: 1 model, 2 environments\n')
  })

  test('the Node template trains with modelship train and its model evaluates (multiclass, string labels)', async () => {
    let csv = 'width,height,kind\n'
    for (let i = 0; i < 120; i++) csv += `${(i % 3) + (i % 7) / 10},${((i * 5) % 11) / 10},${['small', 'medium', 'large'][i % 3]}\n`
    const dir = repo(csv)
    const result = await cli(['init', '--data', 'data/train.csv', '--target', 'kind', '--runtime', 'node'], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^model kind: multiclass-classification \('kind' holds text \(3 classes: large, medium, small\)\)$/m)
    assert.match(result.stdout, /^note: no held-out data given: data.test is data\/train.csv/m)
    assert.match(readFileSync(join(dir, 'models/kind/model.yaml'), 'utf8'), /^ {2}command: \[node, train\.mjs, --task, multiclass-classification, --target, kind, --features, "width,height"\]$/m)
    const trained = await cli(['train', 'kind'], dir)
    assert.equal(trained.code, 0, trained.stdout + trained.stderr)
    const evaluated = await cli(['evaluate', 'kind'], dir)
    assert.equal(evaluated.code, 0, evaluated.stdout + evaluated.stderr)
    assert.match(evaluated.stdout, /^accuracy +— +1 /m, 'the classes are separable by width')
  })

  test('a numeric target with many values is regression', async () => {
    let csv = 'rooms,price\n'
    for (let i = 0; i < 50; i++) csv += `${i % 6},${100 + i * 3.5}\n`
    const dir = repo(csv)
    const result = await cli(['init', '--data', 'data/train.csv', '--target', 'price', '--dry-run'], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^model price: regression \('price' is numeric with fractional values\)$/m)
  })

  test('--dry-run prints the plan and writes nothing', async () => {
    const dir = repo()
    const result = await cli(['init', '--data', 'data/train.csv', '--target', 'churned', '--dry-run'], dir)
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /^would create models\/churned\/model\.yaml: the model spec$/m)
    assert.match(result.stdout, /^dry run: nothing written$/m)
    assert.ok(!existsSync(join(dir, 'models')))
    assert.ok(!existsSync(join(dir, '.gitignore')))
  })

  test('refuses to overwrite a model, lists what exists, and --force replaces it; shared files are kept', async () => {
    const dir = repo()
    mkdirSync(join(dir, 'deploy'))
    writeFileSync(join(dir, 'deploy/staging.yaml'), 'mine\n')
    writeFileSync(join(dir, '.gitignore'), 'node_modules/\n.venv/')
    assert.equal((await cli(['init', '--data', 'data/train.csv', '--target', 'churned'], dir)).code, 0)
    writeFileSync(join(dir, 'models/churned/train.py'), 'edited\n')
    const again = await cli(['init', '--data', 'data/train.csv', '--target', 'churned'], dir)
    assert.equal(again.code, 2)
    assert.equal(
      again.stderr.split('\n')[0],
      "modelship init: model 'churned' already has models/churned/model.yaml, models/churned/train.py, models/churned/requirements.txt, models/churned/train.mjs; init does not overwrite. Fix: choose another --name, or pass --force to replace them",
    )
    assert.equal(readFileSync(join(dir, 'models/churned/train.py'), 'utf8'), 'edited\n')
    const forced = await cli(['init', '--data', 'data/train.csv', '--target', 'churned', '--force'], dir)
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stdout, /^replace models\/churned\/train\.py/m)
    assert.match(forced.stdout, /^keep deploy\/staging\.yaml/m)
    assert.notEqual(readFileSync(join(dir, 'models/churned/train.py'), 'utf8'), 'edited\n')
    assert.equal(readFileSync(join(dir, 'deploy/staging.yaml'), 'utf8'), 'mine\n')
    assert.equal(readFileSync(join(dir, '.gitignore'), 'utf8'), 'node_modules/\n.venv/\n\n# Modelship: local registry, runs and cache; training outputs; Python environments\n.modelship/\nmodels/*/outputs/\n__pycache__/\n')
  })

  test('user errors: missing options, an absent target, a single-valued target, data outside, a bad name, an absent file', async () => {
    const dir = repo('a,b,only\n1,2,x\n3,4,x\n')
    const first = async (argv: string[], code: number) => {
      const result = await cli(argv, dir)
      assert.equal(result.code, code, result.stdout + result.stderr)
      assert.doesNotMatch(result.stderr, /unexpected error|\n\s+at /)
      return result.stderr.split("\n")[0] ?? ""
    }
    assert.equal(await first(['init', '--target', 'a'], 2), 'modelship init: --data <file> is required: the training data to read')
    assert.equal(await first(['init', '--data', 'data/train.csv'], 2), 'modelship init: --target <column> is required: the column to predict')
    assert.equal(
      await first(['init', '--data', 'data/train.csv', '--target', 'onyl'], 1),
      "modelship init: data/train.csv: column 'onyl' (did you mean 'only'?) not found; the file has 3 columns: a, b, only. Fix: correct the name in the model spec or add the column to the file.",
    )
    assert.equal(
      await first(['init', '--data', 'data/train.csv', '--target', 'only'], 1),
      "modelship init: target 'only' holds only one value (x), so there is nothing to predict; choose another --target or add rows with other values",
    )
    assert.match(await first(['init', '--data', '../elsewhere.csv', '--target', 'a'], 2), /^modelship init: --data '\.\.\/elsewhere\.csv' is outside the repository /)
    assert.match(await first(['init', '--data', 'data/train.csv', '--target', 'a', '--name', 'Bad_Name'], 2), /^modelship init: --name 'Bad_Name' is not a valid model name/)
    assert.match(await first(['init', '--data', 'data/missing.csv', '--target', 'a'], 1), /^modelship init: data\/missing\.csv/)
  })

  test('sensitive names are matched as whole words', () => {
    for (const name of ['gender', 'Age', 'customer_race', 'religionCode', 'marital-status']) assert.ok(isSensitiveName(name), name)
    for (const name of ['page', 'usage', 'average', 'tracer', 'sexton_score'.replace('sexton', 'texts')]) assert.ok(!isSensitiveName(name), name)
  })

  test('the caller workflows are example-repo’s, byte for byte', () => {
    for (const { file, content } of CALLER_WORKFLOWS) assert.equal(content, readFileSync(join(EXAMPLE, '.github/workflows', file), 'utf8'), file)
  })
})
