/**
 * Turns zod issues into spec problems with messages a person can act on: the bad value, what was
 * expected, and the fix. Field-specific wording set on a schema (fields.ts) wins; this file gives
 * the wording for everything else, and looks up descriptions and valid keys in the schema itself.
 */
import * as z from 'zod/mini'
import { didYouMean, listNames } from './did-you-mean.js'
import type { SpecProblem } from './problem.js'
import { MAX_PROBLEMS, type PathSegment, type YamlSource } from './yaml-source.js'

type AnySchema = z.core.$ZodType
interface Def {
  type: string
  in?: AnySchema
  innerType?: AnySchema
  shape?: Record<string, AnySchema>
  element?: AnySchema
  valueType?: AnySchema
  options?: AnySchema[]
  discriminator?: string
}

const def = (schema: AnySchema): Def => (schema as unknown as { _zod: { def: Def } })._zod.def

interface FieldInfo {
  description?: string
  example?: unknown
}

function metaOf(schema: AnySchema): FieldInfo {
  const meta = z.globalRegistry.get(schema) as { description?: string; examples?: unknown[] } | undefined
  return { description: meta?.description, example: meta?.examples?.[0] }
}

/** The schema under its wrappers (optional, default, pipe...), with the first description on the way. */
function unwrap(schema: AnySchema): { schema: AnySchema; info: FieldInfo } {
  const info: FieldInfo = {}
  let current = schema
  for (;;) {
    const meta = metaOf(current)
    info.description ??= meta.description
    info.example ??= meta.example
    const d = def(current)
    const inner = d.type === 'pipe' ? d.in : d.innerType
    if (!inner) return { schema: current, info }
    current = inner
  }
}

function get(data: unknown, path: readonly PathSegment[]): unknown {
  let value = data
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string | number, unknown>)[segment]
  }
  return value
}

/** The field schema at `path` (a kebab-case key path into the raw data), unwrapped. */
function fieldAt(root: AnySchema, data: unknown, path: readonly PathSegment[]): { schema: AnySchema; info: FieldInfo; optional?: boolean } | undefined {
  let current: { schema: AnySchema; info: FieldInfo; optional?: boolean } = unwrap(root)
  for (const [index, segment] of path.entries()) {
    let d = def(current.schema)
    if (d.type === 'union' && d.options) {
      // A discriminated union: follow the option the data picked; else the first object option.
      const discriminator = d.discriminator
      const picked = discriminator ? get(data, [...path.slice(0, index), discriminator]) : undefined
      const option =
        d.options.find((candidate) => {
          const shape = def(unwrap(candidate).schema).shape
          const literal = shape && discriminator ? def(unwrap(shape[discriminator]!).schema) : undefined
          return (literal as { values?: unknown[] } | undefined)?.values?.includes(picked)
        }) ?? d.options.find((candidate) => def(unwrap(candidate).schema).type === 'object')
      if (!option) return undefined
      current = unwrap(option)
      d = def(current.schema)
    }
    const next =
      d.type === 'object' && typeof segment === 'string'
        ? d.shape?.[segment]
        : d.type === 'array'
          ? d.element
          : d.type === 'record'
            ? d.valueType
            : undefined
    if (!next) return undefined
    current = { ...unwrap(next), optional: ['optional', 'default', 'prefault'].includes(def(next).type) }
  }
  return current
}

/** Keys an object schema at `path` accepts, in declaration order. */
function keysAt(root: AnySchema, data: unknown, path: readonly PathSegment[]): string[] {
  const field = fieldAt(root, data, path)
  const shape = field ? def(field.schema).shape : undefined
  return shape ? Object.keys(shape) : []
}

/** A value as a message shows it: strings quoted and cut at 60 characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'an empty value'
  if (typeof value === 'string') return value === '' ? 'an empty string' : `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`
  if (typeof value === 'number') return `the number ${value}`
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list'
  return 'a mapping'
}

const TYPE_NAMES: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
}

const YAML11_BOOLEANS = /^(y|yes|n|no|on|off|true|false)$/i

function typeHint(expected: string, value: unknown, optional: boolean): string {
  if (expected === 'boolean' && typeof value === 'string' && YAML11_BOOLEANS.test(value)) return '; write true or false without quotes'
  if ((expected === 'number' || expected === 'int') && typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return `; write it without quotes: ${value.trim()}`
  }
  if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) return `; put it in quotes: "${String(value)}"`
  if (expected === 'array' && typeof value === 'string') return `; write a list, e.g. [${value}]`
  if (value === null) return optional ? '; fill it in or remove the key' : '; fill it in'
  return ''
}

function lastKey(path: readonly PathSegment[]): string {
  for (let index = path.length - 1; index >= 0; index--) {
    const segment = path[index]
    if (typeof segment === 'string') return segment
  }
  return 'value'
}

function bound(issue: { origin?: string; inclusive?: boolean }, limit: unknown, small: boolean): string {
  if (issue.origin === 'array') return `${small ? 'at least' : 'at most'} ${String(limit)} item${limit === 1 ? '' : 's'}`
  if (issue.origin === 'string') {
    return small && limit === 1 ? 'a non-empty string' : `${small ? 'at least' : 'at most'} ${String(limit)} characters`
  }
  if (small) return issue.inclusive === false ? `a number greater than ${String(limit)}` : `a number of at least ${String(limit)}`
  return issue.inclusive === false ? `a number less than ${String(limit)}` : `a number of at most ${String(limit)}`
}

function formatScalar(example: string | number | boolean): string {
  if (typeof example !== 'string') return String(example)
  return /[:#{}[\],&*!|>'"%@`$]/.test(example) || example === '' ? `"${example}"` : example
}

function formatExample(example: unknown): string | undefined {
  if (typeof example === 'string' || typeof example === 'number' || typeof example === 'boolean') return formatScalar(example)
  if (Array.isArray(example) && example.every((item) => typeof item === 'string')) return `[${example.map(formatScalar).join(', ')}]`
  return undefined
}

function missingKey(root: AnySchema, data: unknown, path: readonly PathSegment[]): string {
  const key = lastKey(path)
  const info = fieldAt(root, data, path)?.info ?? {}
  const example = formatExample(info.example)
  const field = fieldAt(root, data, path)
  const entries = field ? (def(field.schema) as { entries?: Record<string, string> }).entries : undefined
  const choices = entries ? `, one of: ${listNames(Object.values(entries))}` : ''
  return `missing required key '${key}'${info.description ? `: ${info.description}` : ''}; add it${choices}${example ? `, e.g. ${key}: ${example}` : ''}`
}

/**
 * A zod error map for one parse of `data` against `root`: wording for every issue a schema did not
 * word itself. Paths are complete when zod calls it (issues are finalised after parsing).
 */
export function createErrorMap(root: AnySchema, data: unknown): z.core.$ZodErrorMap {
  return (issue) => {
    const path = (issue.path ?? []) as PathSegment[]
    const value = 'input' in issue ? issue.input : get(data, path)
    if (value === undefined && get(data, path) === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
      return missingKey(root, data, path)
    }
    switch (issue.code) {
      case 'invalid_type': {
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected
        if (typeof value === 'number' && !Number.isFinite(value)) return `expected a finite number, found ${String(value)}`
        const optional = value === null && fieldAt(root, data, path)?.optional === true
        return `expected ${expected}, found ${describeValue(value)}${typeHint(issue.expected, value, optional)}`
      }
      case 'too_small':
        return `expected ${bound(issue, issue.minimum, true)}, found ${describeValue(value)}${issue.origin === 'array' ? '; add at least one' : ''}`
      case 'too_big':
        return `expected ${bound(issue, issue.maximum, false)}, found ${describeValue(value)}`
      case 'invalid_value': {
        const values = issue.values.map(String)
        if (values.length === 1) return `expected '${values[0]}', found ${describeValue(value)}`
        const found = typeof value === 'string' ? didYouMean(value, values) : ''
        const where = typeof path.at(-1) === 'number' ? `allowed in ${lastKey(path)}` : `a valid ${lastKey(path)}`
        return `${describeValue(value)} is not ${where}; expected one of: ${listNames(values)}${found}`
      }
      case 'invalid_union': {
        const options = (issue as { options?: unknown[] }).options
        const picked = get(data, path)
        if (options && typeof picked === 'string') {
          const values = options.map(String)
          return `${describeValue(picked)} is not a valid ${lastKey(path)}; expected one of: ${listNames(values)}${didYouMean(picked, values)}`
        }
        if (options && get(data, path) === undefined) return `missing required key '${lastKey(path)}'; add it, one of: ${listNames(options.map(String))}`
        if (options) return `expected one of: ${listNames(options.map(String))}, found ${describeValue(get(data, path))}`
        const kinds = [...new Set(issue.errors.map((branch) => branch[0]).filter((first) => first?.code === 'invalid_type').map((first) => TYPE_NAMES[(first as { expected: string }).expected] ?? 'another type'))]
        return kinds.length > 0 ? `expected ${kinds.join(' or ')}, found ${describeValue(value)}` : `${describeValue(value)} does not fit any accepted form`
      }
      case 'invalid_format':
        return `${describeValue(value)} does not match the expected pattern ${issue.pattern ?? issue.format}`
      case 'invalid_key':
        return issue.issues[0]?.message ?? `${describeValue(path.at(-1))} is not a valid key here`
      default:
        return undefined
    }
  }
}

/** Converts a failed parse into problems, one per unknown key and one per other issue. */
export function issuesToProblems(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  root: AnySchema,
  skip: (path: readonly PathSegment[]) => boolean,
): SpecProblem[] {
  const problems: SpecProblem[] = []
  for (const issue of issues) {
    const path = issue.path as PathSegment[]
    if (issue.code === 'unrecognized_keys') {
      const valid = keysAt(root, source.data, path)
      for (const [index, key] of issue.keys.entries()) {
        if (skip([...path, key])) continue
        // Keys come in file order and only the first MAX_PROBLEMS of a file are shown: past them
        // a suggestion would be computed for nothing.
        const hint = index < MAX_PROBLEMS ? didYouMean(key, valid) : ''
        const message = hint
          ? `unknown key '${key}'${hint} (valid keys: ${listNames(valid)})`
          : `unknown key '${key}'; remove it or use one of: ${listNames(valid)}`
        problems.push(source.problemAt([...path, key], message, { target: 'key' }))
      }
      continue
    }
    if (skip(path)) continue
    problems.push(source.problemAt(path, issue.message, { target: issue.code === 'invalid_key' ? 'key' : 'value' }))
  }
  return problems
}
