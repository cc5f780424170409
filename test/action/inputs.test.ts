import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as z from 'zod/mini'
import { createActionEnv } from '../../src/action/env.js'
import { inputName, readInputs } from '../../src/action/inputs.js'
import { UsageError } from '../../src/errors.js'
import { withVars } from './fake-runner.js'

const Inputs = z.object({
  path: z._default(z.string(), '.'),
  changedSince: z.optional(z.string()),
  maxRows: z.optional(z.coerce.number().check(z.int(), z.positive())),
})

test('input names are the kebab-case form of the schema keys', () => {
  assert.equal(inputName('changedSince'), 'changed-since')
  assert.equal(inputName('path'), 'path')
})

test('inputs come from INPUT_<NAME> (upper-cased, hyphens kept) and empty means not set', async () => {
  await withVars({ 'INPUT_CHANGED-SINCE': ' origin/main ', INPUT_PATH: '', 'INPUT_MAX-ROWS': '5' }, () => {
    assert.deepEqual(readInputs(Inputs, createActionEnv()), { path: '.', changedSince: 'origin/main', maxRows: 5 })
  })
})

test('spaces in an input name become underscores, as the runner does', async () => {
  await withVars({ INPUT_MY_INPUT: 'x' }, () => assert.equal(createActionEnv().input('my input'), 'x'))
})

test('a bad input value names the input, the value, what was expected and the fix', async () => {
  await withVars({ 'INPUT_MAX-ROWS': 'lots' }, () => badMaxRows(createActionEnv()))
})

function badMaxRows(env: ReturnType<typeof createActionEnv>) {
  assert.throws(
    () => readInputs(Inputs, env),
    (error: unknown) => {
      assert.ok(error instanceof UsageError)
      assert.equal(
        error.message,
        "input 'max-rows': Invalid input: expected number, received NaN; got 'lots'\nFix the step's 'with:' block in your workflow.",
      )
      return true
    },
  )
}
