import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UsageError } from '../../src/errors.js'
import { parseParamOverrides } from '../../src/train/param-overrides.js'

const spec = 'models/churn/model.yaml'
const declared = { C: 1, max_iter: 1000, solver: 'lbfgs', layers: [8] }

describe('parseParamOverrides', () => {
  it('reads each value as YAML: numbers, booleans, lists, text; the last of a repeated name wins', () => {
    assert.deepEqual(
      parseParamOverrides(['C=0.5', 'max_iter=200', 'solver=saga', 'layers=[16, 8]', 'C=0.25'], declared, spec),
      { C: 0.25, max_iter: 200, solver: 'saga', layers: [16, 8] },
    )
    assert.deepEqual(parseParamOverrides(['solver="0.5"', 'C=true'], declared, spec), { solver: '0.5', C: true })
    assert.deepEqual(parseParamOverrides(['solver='], declared, spec), { solver: '' })
    assert.deepEqual(parseParamOverrides(['solver=a=b'], declared, spec), { solver: 'a=b' })
    assert.deepEqual(parseParamOverrides([], declared, spec), {})
  })

  it('refuses a value that is not NAME=VALUE', () => {
    assert.throws(() => parseParamOverrides(['C'], declared, spec), new UsageError("--param 'C' is not NAME=VALUE; write it as e.g. --param C=0.5"))
    assert.throws(() => parseParamOverrides(['=1'], declared, spec), new UsageError("--param '=1' is not NAME=VALUE; write it as e.g. --param C=0.5"))
  })

  it('refuses a name the spec does not declare, with a did-you-mean', () => {
    assert.throws(
      () => parseParamOverrides(['max_iters=5'], declared, spec),
      new UsageError(
        "--param max_iters: train.params of models/churn/model.yaml has no 'max_iters' (it has C, max_iter, solver, layers); did you mean 'max_iter'? A new param goes into train.params first, so every run has a value for it",
      ),
    )
    assert.throws(
      () => parseParamOverrides(['C=1'], {}, spec),
      new UsageError("--param C: train.params of models/churn/model.yaml has no 'C' (it has none). A new param goes into train.params first, so every run has a value for it"),
    )
  })

  it('refuses a value that is not YAML', () => {
    assert.throws(() => parseParamOverrides(['layers=[1, 2'], declared, spec), (error: Error) => {
      assert.ok(error instanceof UsageError)
      assert.match(error.message, /^--param layers: '\[1, 2' is not a YAML value \(.+\); quote text, e.g. --param layers='"\[1, 2"'$/)
      return true
    })
  })
})
