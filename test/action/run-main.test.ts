import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createRecordingEnv } from '../../src/action/recording-env.js'
import { runMain } from '../../src/action/run-main.js'
import { SpecError } from '../../src/errors.js'

test('a successful run exits 0', async () => {
  const env = createRecordingEnv()
  assert.equal(await runMain(async (e) => e.setOutput('valid', 'true'), env), 0)
  assert.deepEqual(env.record.outputs, { valid: 'true' })
})

test('a user error fails the step with its message only, no stack trace', async () => {
  const env = createRecordingEnv()
  const code = await runMain(async () => {
    throw new SpecError('models/a/model.yaml:3:1 task: missing')
  }, env)
  assert.equal(code, 1)
  assert.equal(env.record.failure, 'models/a/model.yaml:3:1 task: missing')
  assert.deepEqual(env.record.log, [])
})

test('an unexpected error fails the step and puts the stack in the log', async () => {
  const env = createRecordingEnv()
  const code = await runMain(async () => {
    throw new TypeError('x is undefined')
  }, env)
  assert.equal(code, 1)
  assert.equal(env.record.failure, 'Unexpected error (a bug in Modelship; the stack trace is in the log above): x is undefined')
  assert.match(env.record.log[0] ?? '', /^TypeError: x is undefined\n {4}at /)
})

test('a run that calls setFailed itself exits 1', async () => {
  const env = createRecordingEnv()
  assert.equal(await runMain(async (e) => e.setFailed('invalid'), env), 1)
})
