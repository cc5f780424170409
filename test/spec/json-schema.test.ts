import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { Ajv } from 'ajv'
import { parse } from 'yaml'
import { generateJsonSchemas } from '../../src/spec/index.js'
import { BASE_REPO, FIXTURES } from './corpus.js'

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const schemas = generateJsonSchemas()

function objectsOf(node: unknown, found: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (Array.isArray(node)) node.forEach((item) => objectsOf(item, found))
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>
    if (record.type === 'object' && record.properties) found.push(record)
    Object.values(record).forEach((value) => objectsOf(value, found))
  }
  return found
}

describe('generated JSON Schemas', () => {
  it('generates the model and environment schemas', () => {
    assert.deepEqual(Object.keys(schemas).sort(), ['environment.schema.json', 'model.schema.json'])
  })

  for (const [name, text] of Object.entries(schemas)) {
    it(`schemas/${name} is committed and up to date (npm run generate)`, () => {
      assert.equal(readFileSync(join(REPO, 'schemas', name), 'utf8'), text)
    })

    it(`${name} has an $id, a title, kebab-case keys and no additional properties anywhere`, () => {
      const schema = JSON.parse(text) as Record<string, unknown>
      assert.equal(schema.$id, `https://modelship.dev/schemas/${name}`)
      assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#')
      assert.equal(typeof schema.title, 'string')
      assert.ok(text.endsWith('}\n'))
      const objects = objectsOf(schema)
      assert.ok(objects.length >= 2)
      for (const object of objects) {
        assert.equal(object.additionalProperties, false, JSON.stringify(Object.keys(object.properties as object)))
        for (const key of Object.keys(object.properties as object)) assert.match(key, /^(apiVersion|[a-z][a-z0-9]*(-[a-z0-9]+)*)$/)
      }
    })
  }

  const ajv = new Ajv({ allErrors: true, strict: false })
  const validateModel = ajv.compile(JSON.parse(schemas['model.schema.json']!))
  const validateEnvironment = ajv.compile(JSON.parse(schemas['environment.schema.json']!))

  it('accepts the valid fixture specs the way an editor would', () => {
    const files = [
      join(BASE_REPO, 'models/churn/model.yaml'),
      join(BASE_REPO, 'models/prices/model.yaml'),
      ...readdirSync(join(FIXTURES, 'good'), { recursive: true, encoding: 'utf8' })
        .filter((path) => /model\.ya?ml$/.test(path))
        .map((path) => join(FIXTURES, 'good', path)),
    ]
    for (const file of files) assert.ok(validateModel(parse(readFileSync(file, 'utf8'))), `${file}: ${ajv.errorsText(validateModel.errors)}`)
    assert.ok(validateEnvironment(parse(readFileSync(join(BASE_REPO, 'deploy/staging.yaml'), 'utf8'))), ajv.errorsText(validateEnvironment.errors))
  })

  it('rejects unknown keys, bad enums and wrong types as the loader does', () => {
    for (const name of ['unknown-key-nested', 'bad-enum-values', 'wrong-types', 'command-shell-string']) {
      const spec = parse(readFileSync(join(FIXTURES, 'bad', name, 'models/churn/model.yaml'), 'utf8'))
      assert.equal(validateModel(spec), false, name)
    }
    const environment = parse(readFileSync(join(FIXTURES, 'bad', 'env-unknown-key', 'deploy/staging.yaml'), 'utf8'))
    assert.equal(validateEnvironment(environment), false)
  })
})
