/**
 * Reading action inputs at the edge: one zod object schema per action whose keys are the camelCase
 * forms of the kebab-case input names in action.yml (`changedSince` ← `changed-since`). Empty inputs
 * are "not set" and reach the schema as undefined, so schema defaults apply.
 */
import type * as z from 'zod/mini'
import '../zod-english.js'
import { UsageError } from '../errors.js'
import type { ActionEnv } from './env.js'

/** `changedSince` → `changed-since`. */
export function inputName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** Parses every input the schema names; a bad value is a UsageError naming the input, the value and what was expected. */
export function readInputs<S extends z.ZodMiniObject>(schema: S, env: Pick<ActionEnv, 'input'>): z.infer<S> {
  const raw: Record<string, string | undefined> = {}
  for (const key of Object.keys(schema.shape)) raw[key] = env.input(inputName(key))
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const lines = result.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '')
    const value = raw[key]
    const got = value === undefined ? 'it is not set' : `got '${value}'`
    return `input '${inputName(key)}': ${issue.message}; ${got}`
  })
  throw new UsageError(`${lines.join('\n')}\nFix the step's 'with:' block in your workflow.`)
}
