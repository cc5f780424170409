/**
 * Validates spec files: shape (zod), cross-section rules, files on disk, secrets, and the rules
 * that span files (unique model names, environments naming models that exist). Every problem in
 * every file is reported in one pass, each at its YAML node.
 */
import { stat } from 'node:fs/promises'
import { resolve, relative, sep } from 'node:path'
import type * as z from 'zod/mini'
import '../zod-english.js'
import { checkEnvironmentSpec } from './environment-checks.js'
import { EnvironmentSpecSchema, type EnvironmentSpec } from './environment-schema.js'
import { checkModelFiles, specFolder } from './file-checks.js'
import { findModelFiles, findSpecFiles } from './discover.js'
import { InvalidSpecError } from './invalid-spec-error.js'
import { createErrorMap, issuesToProblems } from './issue-messages.js'
import { checkModelSpec, expectedModelName, type CheckFinding } from './model-checks.js'
import { environmentNameSchema, modelNameSchema } from './fields.js'
import { ModelSpecSchema, type ModelSpec } from './model-schema.js'
import type { SpecProblem } from './problem.js'
import { stringAt } from './raw.js'
import { safeText } from './safe-text.js'
import { findSecrets } from './secrets.js'
import { MAX_PROBLEMS, formatPath, parseYamlSource, readYamlSource, type PathSegment, type YamlSource } from './yaml-source.js'

/** One model spec file and what validation found in it. */
export interface ValidatedModel {
  /** The spec's `name`, or the name its folder implies when the file has none. */
  name: string
  /** Repository-relative path with forward slashes. */
  file: string
  /** The parsed spec (camelCase, defaults filled) when the file has no errors. */
  spec?: ModelSpec
  problems: SpecProblem[]
}

/** One environment file (`deploy/<env>.yaml`) and what validation found in it. */
export interface ValidatedEnvironment {
  name: string
  file: string
  spec?: EnvironmentSpec
  problems: SpecProblem[]
}

/** Everything validation found under a repository root. */
export interface ValidationReport {
  /** Absolute path of the repository root. */
  root: string
  models: ValidatedModel[]
  environments: ValidatedEnvironment[]
  /** All problems of all files, sorted by file, line, column. */
  problems: SpecProblem[]
  /** True when no problem is an error (warnings allowed). */
  valid: boolean
}

function byPosition(a: SpecProblem, b: SpecProblem): number {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => String(path[index]) === String(segment))
}

interface ParsedFile<T> {
  problems: SpecProblem[]
  value?: T
}

/** Secrets first (their paths silence other messages that would echo the value), then shape, then rules. */
function validateData<S extends z.ZodMiniType>(source: YamlSource, schema: S, findings: CheckFinding[]): ParsedFile<z.output<S>> {
  const data = source.data!
  const secrets = findSecrets(data)
  const silenced = (path: readonly PathSegment[]) => secrets.some((secret) => startsWith(path, secret.path))
  const problems = secrets.map((secret) => source.problemAt(secret.path, secret.message, { target: secret.target }))
  const result = schema.safeParse(data, { error: createErrorMap(schema, data) })
  const shapeProblems = result.success ? [] : issuesToProblems(result.error.issues, source, schema, silenced)
  problems.push(...shapeProblems)
  const reported = new Set(shapeProblems.map((problem) => problem.path))
  for (const finding of findings) {
    if (silenced(finding.path) || reported.has(formatPath(finding.path))) continue
    problems.push(source.problemAt(finding.path, finding.message, { target: finding.target, severity: finding.severity }))
  }
  return { problems, value: result.success ? result.data : undefined }
}

/**
 * The first MAX_PROBLEMS problems by position and one line counting the rest: a hostile file can
 * hold thousands, and nobody reads past the first screen before fixing them.
 */
function capProblems(file: string, problems: SpecProblem[]): SpecProblem[] {
  problems.sort(byPosition)
  if (problems.length <= MAX_PROBLEMS) return problems.map(safeProblem)
  const rest = problems.slice(MAX_PROBLEMS)
  const errors = rest.filter((problem) => problem.severity === 'error').length
  const last = rest.at(-1)!
  const more: SpecProblem = {
    file,
    line: last.line,
    column: last.column,
    path: '',
    message: `and ${rest.length} more problem${rest.length === 1 ? '' : 's'} (${errors} error${errors === 1 ? '' : 's'}) in this file, not listed; fix the ones above and validate again`,
    severity: errors > 0 ? 'error' : 'warning',
  }
  return [...problems.slice(0, MAX_PROBLEMS).map(safeProblem), safeProblem(more)]
}

/** A problem whose echoed text is safe to print (safe-text.ts); done for reported problems only, as it costs. */
function safeProblem(problem: SpecProblem): SpecProblem {
  return { ...problem, file: safeText(problem.file), path: safeText(problem.path), message: safeText(problem.message) }
}

/**
 * The spec's name when it is a valid one. Names are shown raw in summaries and the job matrix, so
 * an invalid one (a secret, a line break) is replaced by the folder's name; its problem says why.
 */
function validName(schema: typeof modelNameSchema, name: string | undefined): string | undefined {
  return name !== undefined && schema.safeParse(name).success ? name : undefined
}

function hasErrors(problems: readonly SpecProblem[]): boolean {
  return problems.some((problem) => problem.severity === 'error')
}

/** Validates one model spec file on its own (no rules that span files). */
export async function validateModelFile(root: string, file: string): Promise<ValidatedModel> {
  const source = await readYamlSource(root, file)
  const fallbackName = expectedModelName(file)
  if (!source.data) return { name: safeText(fallbackName), file, problems: capProblems(file, source.problems) }
  const findings = [...checkModelSpec(source.data, file), ...(await checkModelFiles(root, file, source.data))]
  const parsed = validateData(source, ModelSpecSchema, findings)
  const problems = capProblems(file, [...source.problems, ...parsed.problems])
  const name = validName(modelNameSchema, stringAt(source.data, 'name')) ?? safeText(fallbackName)
  if (!parsed.value || hasErrors(problems)) return { name, file, problems }
  const spec: ModelSpec = {
    ...parsed.value,
    train: { ...parsed.value.train, workingDirectory: parsed.value.train.workingDirectory ?? specFolder(file) },
  }
  return { name, file, spec, problems }
}

/** Validates one environment file; `models` are the model names that have a spec. */
export async function validateEnvironmentFile(root: string, file: string, models: ReadonlySet<string>): Promise<ValidatedEnvironment> {
  return validateEnvironmentSource(await readYamlSource(root, file), models)
}

/**
 * Validates an environment file's text as validateEnvironmentFile does, for text that is not on disk
 * (an older version read from git history); `file` is the repository-relative path it came from.
 */
export function validateEnvironmentText(text: string, file: string, models: ReadonlySet<string>): ValidatedEnvironment {
  return validateEnvironmentSource(parseYamlSource(text, file), models)
}

function validateEnvironmentSource(source: YamlSource, models: ReadonlySet<string>): ValidatedEnvironment {
  const file = source.file
  const fallbackName = file.split('/').at(-1)!.replace(/\.ya?ml$/i, '')
  if (!source.data) return { name: safeText(fallbackName), file, problems: capProblems(file, source.problems) }
  const parsed = validateData(source, EnvironmentSpecSchema, checkEnvironmentSpec(source.data, file, models))
  const problems = capProblems(file, [...source.problems, ...parsed.problems])
  const name = validName(environmentNameSchema, stringAt(source.data, 'name')) ?? safeText(fallbackName)
  if (!parsed.value || hasErrors(problems)) return { name, file, problems }
  return { name, file, spec: parsed.value, problems }
}

function wholeFileProblem(file: string, message: string): SpecProblem {
  return { file: safeText(file), line: 1, column: 1, path: '', message: safeText(message), severity: 'error' }
}

/** Spec files given by path that sit outside models/ and deploy/ are told apart by their `kind`. */
async function classify(root: string, files: string[]): Promise<{ models: string[]; environments: string[] }> {
  const models: string[] = []
  const environments: string[] = []
  for (const file of files) {
    const source = await readYamlSource(root, file)
    if (stringAt(source.data, 'kind') === 'Environment') environments.push(file)
    else models.push(file)
  }
  return { models, environments }
}

/**
 * Finds `models/**\/model.yaml` and `deploy/*.yaml` under `root` (or only at or under the given
 * repository-relative paths) and validates them all.
 */
export async function validateRepository(root: string, options: { paths?: string[] } = {}): Promise<ValidationReport> {
  const absoluteRoot = resolve(root)
  if (!(await stat(absoluteRoot).then((info) => info.isDirectory(), () => false))) {
    const problems = [wholeFileProblem('.', `repository root ${absoluteRoot} is not a folder; run from the repository or pass its path`)]
    return { root: absoluteRoot, models: [], environments: [], problems, valid: false }
  }
  const found = await findSpecFiles(absoluteRoot, options.paths)
  const extra = await classify(absoluteRoot, found.unknown)
  const modelFiles = [...found.models, ...extra.models]
  const models = await Promise.all(modelFiles.map((file) => validateModelFile(absoluteRoot, file)))

  // Names are unique across the repository; the later file (by path) carries the problem.
  const owners = new Map<string, string>()
  for (const model of [...models].sort((a, b) => (a.file < b.file ? -1 : 1))) {
    const owner = owners.get(model.name)
    if (owner === undefined) {
      owners.set(model.name, model.file)
      continue
    }
    const source = await readYamlSource(absoluteRoot, model.file)
    model.problems.push(safeProblem(source.problemAt(['name'], `'${model.name}' is also the name of ${owner}; model names are unique in a repository: rename one`)))
    model.problems.sort(byPosition)
    delete model.spec
  }

  const known = new Set([...(await findModelFiles(absoluteRoot)).map(expectedModelName), ...models.map((model) => model.name)])
  const environmentFiles = [...found.environments, ...extra.environments]
  const environments = await Promise.all(environmentFiles.map((file) => validateEnvironmentFile(absoluteRoot, file, known)))

  // Finding nothing is a failure: a wrong path must not pass CI as "valid: 0 models".
  const nothing =
    models.length === 0 && environments.length === 0 && found.missing.length === 0 && found.unreadable.length === 0
      ? [
          wholeFileProblem(
            '.',
            `no model specs found: looked for models/**/model.yaml and deploy/*.yaml${options.paths?.length ? ` at ${options.paths.join(', ')}` : ''} under ${absoluteRoot}; pass the repository root (the folder holding models/) or a spec file`,
          ),
        ]
      : []
  const problems = [
    ...nothing,
    ...found.unreadable.map(({ path, reason }) => wholeFileProblem(path, `could not be read (${reason}); specs in it were not checked: make it a readable folder`)),
    ...found.missing.map((path) => wholeFileProblem(path, `does not exist; expected a spec file or a folder holding specs, relative to ${absoluteRoot}`)),
    ...models.flatMap((model) => model.problems),
    ...environments.flatMap((environment) => environment.problems),
  ].sort(byPosition)
  return { root: absoluteRoot, models, environments, problems, valid: !hasErrors(problems) }
}

function repoRelative(root: string, file: string): string {
  return relative(resolve(root), resolve(root, file)).split(sep).join('/')
}

/** Loads one model spec (repository-relative `file`), or throws an InvalidSpecError (a SpecError) listing all its problems. */
export async function loadModelSpec(root: string, file: string): Promise<ModelSpec> {
  const path = repoRelative(root, file)
  const model = await validateModelFile(resolve(root), path)
  if (!model.spec) throw new InvalidSpecError(path, model.problems)
  return model.spec
}

/** Loads one environment file (repository-relative `file`), or throws an InvalidSpecError listing all its problems. */
export async function loadEnvironmentSpec(root: string, file: string): Promise<EnvironmentSpec> {
  const path = repoRelative(root, file)
  const absoluteRoot = resolve(root)
  const known = new Set((await findModelFiles(absoluteRoot)).map(expectedModelName))
  const environment = await validateEnvironmentFile(absoluteRoot, path, known)
  if (!environment.spec) throw new InvalidSpecError(path, environment.problems)
  return environment.spec
}
