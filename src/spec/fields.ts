/**
 * Field schemas shared by the model and environment specs: names, paths, versions, durations.
 * Their messages say the bad value, what is expected and how to fix it; the generic wording for
 * types, ranges and enums lives in issue-messages.ts.
 */
import * as z from 'zod/mini'
import { described } from '../described.js'
import { checkCron } from './cron.js'
import { DURATION_PATTERN } from './duration.js'

/** The only apiVersion this release reads. */
export const API_VERSION = 'modelship/v1'

type IssueInput = { code: string; input?: unknown }

function quote(value: unknown): string {
  return typeof value === 'string' ? `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'` : String(value)
}

/** Lowercase slug for "use e.g. ..." hints: a name the registry's tags accept. */
function slug(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-{2,}/g, '-').replace(/^-+|-+$/g, '') || 'churn'
}

/** A schema message that applies only to the pattern check; other issues keep the generic wording. */
function patternError(message: (input: string) => string) {
  return (issue: IssueInput) =>
    issue.code === 'invalid_format' && typeof issue.input === 'string' ? message(issue.input) : undefined
}

/** `apiVersion: modelship/v1`. */
export const apiVersionSchema = described(
  z.literal(API_VERSION, {
    error: (issue) =>
      issue.code === 'invalid_value'
        ? `${quote(issue.input)} is not a supported apiVersion; expected '${API_VERSION}'`
        : undefined,
  }),
  `spec format version; always '${API_VERSION}'`,
)

/** `kind: Model` or `kind: Environment`, with a hint about where each kind of file lives. */
export function kindSchema(kind: 'Model' | 'Environment') {
  const where = kind === 'Model' ? 'models/<name>/model.yaml' : 'deploy/<environment>.yaml'
  return described(
    z.literal(kind, {
      error: (issue) =>
        issue.code === 'invalid_value'
          ? `${quote(issue.input)} is not the kind of this file; expected '${kind}' (${where} holds ${kind === 'Model' ? 'a Model' : 'an Environment'})`
          : undefined,
    }),
    `always '${kind}'`,
  )
}

// A stricter form of GTO's naming rule (iterative/gto, which also takes capitals and '_'): a
// model, environment or stage name becomes part of git tags such as `churn@v1.3.0` and
// `churn#production#7`, and Modelship writes only lowercase ones, so a valid spec can always be
// registered and promoted and its tags read the same in GTO.
const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const MODEL_NAME = /^(?:[a-z0-9][a-z0-9_./-]{0,99}:)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const NAME_RULE = "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63"

/** Why a name breaks the rule, for the cases a person would not guess: `_` and a trailing `-`. */
function nameHint(input: string, tag: (name: string) => string): string {
  const name = input.slice(input.lastIndexOf(':') + 1)
  const example = `the registry's git tags, e.g. '${tag(name)}'`
  // GTO itself accepts '_' (and capitals); Modelship keeps to its stricter rule for the tags it writes.
  if (name.includes('_')) return ` ('_' is not allowed in ${example}: GTO accepts it, but Modelship writes tags with lowercase letters, digits and '-' only)`
  if (name.endsWith('-')) return ` (a trailing '-' is not allowed in ${example}, which follow GTO's naming rule)`
  return ''
}

const versionTag = (name: string) => `${name}@v0.0.1`
const stageTag = (name: string) => `<model>#${name}#1`

/** A model name: lowercase letters, digits and `-` (GTO's rule); a monorepo folder prefix `dir:name` is allowed. */
export const modelNameSchema = described(
  z.string().check(
    z.regex(MODEL_NAME, {
      error: patternError(
        (input) =>
          `${quote(input)} is not a valid model name${nameHint(input, versionTag)}; use ${NAME_RULE}, optionally after a folder as 'dir:name', e.g. '${input.slice(0, input.lastIndexOf(':') + 1)}${slug(input.slice(input.lastIndexOf(':') + 1))}'`,
      ),
    }),
  ),
  "model name: lowercase letters, digits and '-' (GTO's naming rule); monorepos may prefix a folder as 'dir:name'",
  ['churn'],
)

/** An environment name: lowercase letters, digits and `-`; it is also a registry stage. */
export const environmentNameSchema = described(
  z.string().check(
    z.regex(NAME, {
      error: patternError(
        (input) => `${quote(input)} is not a valid environment name${nameHint(input, stageTag)}; use ${NAME_RULE}, e.g. '${slug(input)}'`,
      ),
    }),
  ),
  "environment name: lowercase letters, digits and '-' (GTO's naming rule)",
  ['staging', 'production'],
)

/** A stage name (a movable pointer such as `production`). */
export const stageNameSchema = described(
  z.string().check(
    z.regex(NAME, {
      error: patternError((input) => `${quote(input)} is not a valid stage name${nameHint(input, stageTag)}; use ${NAME_RULE}, e.g. '${slug(input)}'`),
    }),
  ),
  "stage name: lowercase letters, digits and '-' (GTO's naming rule)",
  ['production'],
)

/** A data column name (any non-empty text). */
export const columnSchema = described(z.string().check(z.minLength(1)), 'column name in the data files', ['tenure'])

/** Why a path is not a usable repository-relative path, or undefined when it is. */
export function relativePathProblem(path: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    return `'${path}' is a URL; expected a file in the repository, relative to its root (commit the file, or fetch it in the training command)`
  }
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) {
    return `'${path}' is an absolute path; expected a path relative to the repository root, e.g. 'data/train.csv'`
  }
  if (path.includes('\\')) return `'${path}' uses backslashes; write the path with forward slashes: '${path.replace(/\\/g, '/')}'`
  if (path.split('/').includes('..')) return `'${path}' steps out with '..'; expected a path inside the repository, relative to its root`
  return undefined
}

/** A path inside the repository, written relative to a folder of it, with forward slashes. */
export function relativePathSchema(description: string, example: string) {
  return described(
    z.string().check(
      z.minLength(1),
      z.superRefine((path, ctx) => {
        const problem = relativePathProblem(path)
        if (problem) ctx.addIssue({ code: 'custom', message: problem })
      }),
    ),
    description,
    [example],
  )
}

/** A runtime version written as a string, e.g. "3.11"; numbers are refused because YAML reads 3.10 as 3.1. */
export function runtimeVersionSchema(runtime: 'python' | 'node', example: string) {
  return described(
    z
      .string({
        error: (issue) =>
          issue.code === 'invalid_type' && typeof issue.input === 'number'
            ? `expected a quoted version string, found the number ${issue.input}; write it in quotes, e.g. ${runtime}: "${example}" (unquoted, YAML reads 3.10 as 3.1)`
            : undefined,
      })
      .check(
        z.regex(/^\d+(\.\d+){0,2}(\.x)?$/, {
          error: patternError((input) => `${quote(input)} is not a ${runtime} version; expected digits and dots, e.g. "${example}"`),
        }),
      ),
    `${runtime} version to install`,
    [example],
  )
}

/** A duration such as `7d`. */
export function durationSchema(description: string, example: string) {
  return described(
    z.string().check(
      z.regex(DURATION_PATTERN, {
        error: patternError(
          (input) => `${quote(input)} is not a duration; expected a whole number and a unit (s, m, h, d or w), e.g. '${example}'`,
        ),
      }),
    ),
    `${description}: a whole number and a unit (s, m, h, d, w)`,
    [example],
  )
}

/** A 5-field cron expression as GitHub Actions schedules take it (UTC). */
export const cronSchema = described(
  z.string().check(
    z.superRefine((expression, ctx) => {
      const problem = checkCron(expression)
      if (problem) ctx.addIssue({ code: 'custom', message: problem })
    }),
  ),
  'cron expression (5 fields, UTC) as GitHub Actions schedules take it',
  ['0 6 * * *'],
)

/** A model version as deployed: `v1.3.0` or `1.3.0`, parsed to the tag form `v1.3.0`. */
export const versionSchema = described(
  z.pipe(
    z
      .string({
        error: (issue) =>
          issue.code === 'invalid_type' && typeof issue.input === 'number'
            ? `expected a version string like 'v1.3.0', found the number ${issue.input}; write the full version in quotes, e.g. "v1.3.0"`
            : undefined,
      })
      .check(
        z.regex(/^v?\d+\.\d+\.\d+$/, {
          error: patternError((input) => `${quote(input)} is not a model version; expected 'vMAJOR.MINOR.PATCH', e.g. 'v1.3.0'`),
        }),
      ),
    z.transform((version: string) => (version.startsWith('v') ? version : `v${version}`)),
  ),
  "registered model version, 'v1.3.0' (the 'v' is optional)",
  ['v1.3.0'],
)
