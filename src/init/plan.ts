/**
 * `modelship init`'s plan: from a data file and a target, the files a repository needs to start
 * (spec, training scripts, desired-state files, caller workflows, .gitignore lines), each marked
 * new, kept (already there and left alone) or conflicting (there, and init would need to replace it).
 */
import { execFile } from 'node:child_process'
import { readFile, stat } from 'node:fs/promises'
import { promisify } from 'node:util'
import { basename, dirname, join, posix, relative, resolve, sep } from 'node:path'
import { readColumnNames, readTable } from '../data/read-table.js'
import { missingColumnsError } from '../data/data-errors.js'
import { UsageError } from '../errors.js'
import { CALLER_WORKFLOWS } from './callers.js'
import { inferModel, type InferredModel } from './infer.js'
import { renderModelSpec, type Runtime } from './model-spec.js'
import { NODE_TRAIN_SCRIPT } from './node-template.js'
import { PYTHON_REQUIREMENTS, PYTHON_TRAIN_SCRIPT } from './python-template.js'

/** What init is asked to do. Paths are relative to `root` or absolute. */
export interface InitOptions {
  root: string
  data: string
  target: string
  /** Held-out data; default the data file's sibling with 'train' read as 'test', when it exists. */
  test?: string
  name?: string
  /** Which training script the spec runs (both are written); default python. */
  runtime?: Runtime
  /** Replace files that exist instead of refusing. */
  force?: boolean
}

/** One file of the plan. `state`: new, kept (init leaves an existing one, e.g. deploy/), or replaced (--force). */
export interface PlannedFile {
  path: string
  content: string
  state: 'new' | 'kept' | 'replaced' | 'appended'
  why: string
}

/** The plan, with what was inferred and any notes to print. */
export interface InitPlan {
  name: string
  model: InferredModel
  data: { train: string; test: string }
  files: PlannedFile[]
  notes: string[]
}

const GITIGNORE_LINES = ['.modelship/', 'models/*/outputs/', '.venv/', '__pycache__/']

/** Reads the data and decides every file; throws UsageError when it would overwrite without --force. */
export async function planInit(options: InitOptions): Promise<InitPlan> {
  const root = resolve(options.root)
  const train = repoPath(root, options.data, '--data')
  const names = await readColumnNames(join(root, train), { displayName: train })
  if (!names.includes(options.target)) throw missingColumnsError(train, [options.target], names)
  const table = await readTable(join(root, train), { displayName: train })
  const model = inferModel(table, options.target)
  if (model.features.length === 0) {
    throw new UsageError(`${train} has no column to use as a feature besides '${options.target}' (${model.left.map((c) => `${c.name}: ${c.reason}`).join('; ') || 'no other column'})`)
  }
  const notes: string[] = []
  const test = await chooseTest(root, train, options.test, notes)
  const name = options.name ?? defaultName(train, options.target)
  checkName(name)
  const runtime = options.runtime ?? 'python'
  const folder = `models/${name.replace(':', '/')}`
  const depth = folder.split('/').length
  const schemaBase = (await exists(join(root, 'schemas', 'model.schema.json'))) ? `${'../'.repeat(depth)}schemas/` : 'https://modelship.dev/schemas/'
  const wanted: Omit<PlannedFile, 'state'>[] = [
    { path: `${folder}/model.yaml`, content: renderModelSpec({ name, folder, train, test, target: options.target, model, runtime, schemaBase, nodeMajor: await nodeMajorOnPath(root) }), why: 'the model spec' },
    { path: `${folder}/train.py`, content: PYTHON_TRAIN_SCRIPT, why: `Python training script${runtime === 'python' ? ' (the spec runs it)' : ''}` },
    { path: `${folder}/requirements.txt`, content: PYTHON_REQUIREMENTS, why: "the Python script's pinned packages" },
    { path: `${folder}/train.mjs`, content: NODE_TRAIN_SCRIPT, why: `Node training script${runtime === 'node' ? ' (the spec runs it)' : ''}` },
  ]
  const files: PlannedFile[] = []
  const conflicts: string[] = []
  for (const file of wanted) {
    const there = await exists(join(root, file.path))
    if (there && !options.force) conflicts.push(file.path)
    files.push({ ...file, state: there ? 'replaced' : 'new' })
  }
  if (conflicts.length > 0) {
    throw new UsageError(
      `model '${name}' already has ${conflicts.join(', ')}; init does not overwrite. Fix: choose another --name, or pass --force to replace ${conflicts.length === 1 ? 'it' : 'them'}`,
    )
  }
  // Desired state and workflows are shared by every model: an existing one is kept as it is.
  for (const environment of ['staging', 'production']) {
    const path = `deploy/${environment}.yaml`
    const there = await exists(join(root, path))
    files.push({ path, content: environmentFile(environment, schemaBase), state: there ? 'kept' : 'new', why: `desired state of ${environment}` })
  }
  for (const workflow of CALLER_WORKFLOWS) {
    const path = `.github/workflows/${workflow.file}`
    const there = await exists(join(root, path))
    files.push({ path, content: workflow.content, state: there ? 'kept' : 'new', why: 'caller workflow' })
  }
  files.push(await gitignorePlan(root))
  return { name, model, data: { train, test }, files, notes }
}

async function chooseTest(root: string, train: string, given: string | undefined, notes: string[]): Promise<string> {
  if (given !== undefined) {
    const test = repoPath(root, given, '--test')
    await readColumnNames(join(root, test), { displayName: test })
    return test
  }
  const sibling = posix.join(posix.dirname(train), basename(train).replace(/train/i, 'test'))
  if (sibling !== train && (await exists(join(root, sibling)))) return sibling
  notes.push(`no held-out data given: data.test is ${train}, the training data, so test metrics will flatter the model; pass --test or edit data.test`)
  return train
}

/** A path inside the repository, '/'-separated; a UsageError for one outside it. */
function repoPath(root: string, path: string, option: string): string {
  const inside = relative(root, resolve(root, path))
  if (inside === '' || inside.startsWith('..') || resolve(inside) === inside) {
    throw new UsageError(`${option} '${path}' is outside the repository ${root}; data paths in a spec are relative to the repository root, so copy the file under it`)
  }
  return inside.split(sep).join('/')
}

function defaultName(train: string, target: string): string {
  const folder = basename(dirname(train))
  const candidate = folder && folder !== '.' && folder !== 'data' ? folder : target
  return candidate.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'model'
}

function checkName(name: string): void {
  if (!/^(?:[a-z0-9][a-z0-9_./-]{0,99}:)?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new UsageError(`--name '${name}' is not a valid model name; use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63`)
  }
}

function environmentFile(name: string, schemaBase: string): string {
  const schema = schemaBase.startsWith('https:') ? schemaBase : '../schemas/'
  return [
    `# yaml-language-server: $schema=${schema}environment.schema.json`,
    `# Desired state of the ${name} environment: which model versions serve, and each one's share of traffic`,
    "# (a model's shares add up to 100). Modelship's deploy step commits changes to this file; its git log",
    '# is the audit trail. It starts empty: nothing is registered yet.',
    'apiVersion: modelship/v1',
    'kind: Environment',
    `name: ${name}`,
    'models: []',
    '',
  ].join('\n')
}

async function gitignorePlan(root: string): Promise<PlannedFile> {
  let current = ''
  try {
    current = await readFile(join(root, '.gitignore'), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const present = new Set(current.split(/\r?\n/).map((line) => line.trim()))
  const missing = GITIGNORE_LINES.filter((line) => !present.has(line))
  if (missing.length === 0) return { path: '.gitignore', content: current, state: 'kept', why: "Modelship's lines are there" }
  const separator = current === '' || current.endsWith('\n') ? '' : '\n'
  const block = `${separator}${current === '' ? '' : '\n'}# Modelship: local registry, runs and cache; training outputs; Python environments\n${missing.join('\n')}\n`
  return { path: '.gitignore', content: current + block, state: current === '' ? 'new' : 'appended', why: `adds ${missing.join(' ')}` }
}

/** The major version of `node` on PATH, which train runs; this process's own when there is none. */
async function nodeMajorOnPath(cwd: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('node', ['--version'], { cwd })
    const major = /^v(\d+)\./.exec(stdout.trim())?.[1]
    if (major !== undefined) return major
  } catch {
    // No node on PATH: train will say so; the spec names the Node running init.
  }
  return process.versions.node.split('.')[0]!
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return false
    throw error
  }
}
