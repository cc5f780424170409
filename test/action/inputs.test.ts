import assert from 'node:assert/strict'
import { test } from 'node:test'
import * as z from 'zod/mini'
import { createActionEnv } from '../../src/action/env.js'
import { inputName, readInputs } from '../../src/action/inputs.js'
import { UsageError } from '../../src/errors.js'

const Inputs = z.object({
  path: z._default(z.string(), '.'),
  changedSince: z.optional(z.string()),
  maxRows: z.optional(z.coerce.number().check(z.int(), z.positive())),
})

test('input names are the kebab-case form of the schema keys', () => {
  assert.equal(inputName('changedSince'), 'changed-since')
  assert.equal(inputName('path'), 'path')
})

test('inputs come from INPUT_<NAME> (upper-cased, hyphens kept) and empty means not set', () => {
  const env = createActionEnv({ vars: { 'INPUT_CHANGED-SINCE': ' origin/main ', INPUT_PATH: '', 'INPUT_MAX-ROWS': '5' } })
  assert.deepEqual(readInputs(Inputs, env), { path: '.', changedSince: 'origin/main', maxRows: 5 })
})

test('spaces in an input name become underscores, as the runner does', () => {
  const env = createActionEnv({ vars: { INPUT_MY_INPUT: 'x' } })
  assert.equal(env.input('my input'), 'x')
})

test('a bad input value names the input, the value, what was expected and the fix', () => {
  const env = createActionEnv({ vars: { 'INPUT_MAX-ROWS': 'lots' } })
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
})
