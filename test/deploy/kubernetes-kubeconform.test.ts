// Every manifest the kubernetes provider renders passes the real kubeconform -strict against KServe's
// own CRD schemas (test/fixtures/kserve, from KServe commit aaac4e2). kubeconform's -strict only
// makes the YAML parse strict and picks a schema's "-strict" variant; the CRD schemas do not close
// their objects, so this test derives that variant as kubeconform's own openapi2jsonschema --strict
// does (additionalProperties: false on every object that lists its properties and does not keep
// unknown fields), and checks that an unknown field is then rejected, so the check has teeth.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { renderKubernetes } from '../../src/deploy/kubernetes/index.js'
import { REPO_ROOT } from '../support/run-action.js'
import { kubernetesRepo, writeState } from './kubernetes-fixture.js'

const KUBECONFORM = join(REPO_ROOT, '.tools/bin/kubeconform')
const FIXTURES = join(REPO_ROOT, 'test/fixtures/kserve')
// npm test installs it (scripts/install-tools.sh) before the workflow tests, and CI runs them all.
const missing = existsSync(KUBECONFORM) ? false : 'kubeconform is not installed in .tools/bin; run bash scripts/install-tools.sh'

/** Closes every object schema that lists its properties, as openapi2jsonschema --strict does. */
function strictSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strictSchema)
  if (schema === null || typeof schema !== 'object') return schema
  const object = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, strictSchema(value)]))
  if ('properties' in object && !('additionalProperties' in object) && object['x-kubernetes-preserve-unknown-fields'] !== true) {
    object.additionalProperties = false
  }
  return object
}

describe('kubeconform -strict against KServe CRD schemas', { skip: missing }, () => {
  const temp = mkdtempSync(join(tmpdir(), 'modelship-kubeconform-'))
  const schemas = join(temp, 'schemas')
  after(() => rmSync(temp, { recursive: true, force: true }))

  before(() => {
    spawnSync('mkdir', ['-p', schemas])
    for (const name of readdirSync(FIXTURES).filter((file) => file.endsWith('.json'))) {
      const schema = JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))
      writeFileSync(join(schemas, name), JSON.stringify(schema))
      writeFileSync(join(schemas, name.replace(/\.json$/, '-strict.json')), JSON.stringify(strictSchema(schema)))
    }
  })

  function kubeconform(files: string[]): { status: number | null; output: string } {
    const result = spawnSync(
      KUBECONFORM,
      ['-strict', '-summary', '-schema-location', join(schemas, '{{ .ResourceKind }}-{{ .Group }}-{{ .ResourceAPIVersion }}{{ .StrictSuffix }}.json'), ...files],
      { encoding: 'utf8' },
    )
    return { status: result.status, output: `${result.stdout}${result.stderr}` }
  }

  test('every shape the provider renders is valid: one version, a canary, sized with GPUs, scaled to zero', async () => {
    const shapes: [string, string, [string, string, number][]][] = [
      ['sized canary', '{ namespace: models, min-replicas: 2, max-replicas: 4, cpu: "500m", memory: 1Gi, gpus: 1 }', [['churn', 'v1.2.0', 90], ['churn', 'v1.3.0', 10]]],
      ['defaults, one version', '{}', [['churn', 'v1.3.0', 100]]],
      ['GPUs only, scale to zero', '{ min-replicas: 0, gpus: 2 }', [['churn', 'v2.0.0', 50], ['churn', 'v1.3.0', 50]]],
      ['CPU only', '{ cpu: "2.5" }', [['churn', 'v1.3.0', 100]]],
    ]
    const files: string[] = []
    for (const [label, sizing, state] of shapes) {
      const repo = kubernetesRepo(`deploy:\n  - { environment: staging, provider: kubernetes, kubernetes: ${sizing} }\n  - { environment: production, requires: staging }\n`)
      try {
        writeState(repo.root, 'staging', state)
        const result = await renderKubernetes({ root: repo.root, environment: 'staging', release: { serverUrl: 'https://github.com', owner: 'acme', repo: 'models' } })
        assert.equal(result.manifests.length, 1, label)
        const copy = join(temp, `${label.replaceAll(/[^a-z]+/g, '-')}.yaml`)
        writeFileSync(copy, readFileSync(join(repo.root, result.manifests[0]!.file)))
        files.push(copy)
      } finally {
        repo.cleanup()
      }
    }
    const { status, output } = kubeconform(files)
    assert.equal(output.trim(), `Summary: ${files.length} resources found in ${files.length} files - Valid: ${files.length}, Invalid: 0, Errors: 0, Skipped: 0`)
    assert.equal(status, 0)
  })

  test('the check rejects a field KServe does not know and a malformed quantity', () => {
    const bad = join(temp, 'bad.yaml')
    writeFileSync(
      bad,
      'apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: { name: churn }\nspec:\n  predictor:\n    canaryTraffic: 10\n    model: { modelFormat: { name: onnx }, resources: { limits: { memory: 2GB } } }\n',
    )
    const { status, output } = kubeconform([bad])
    assert.equal(status, 1)
    assert.match(output, /additional properties 'canaryTraffic' not allowed/)
    assert.match(output, /Invalid: 1/)
  })
})
