/**
 * `modelship registry <subcommand>`: the model registry from the command line. Versions are git tags
 * `<model>@vX.Y.Z` with a release of assets, stages are tags `<model>#<stage>#N` (GTO's format).
 * The backend is the local repository (tags and release files, under refs/modelship/releases, here) or GitHub (tags and
 * releases of GITHUB_REPOSITORY, with GITHUB_TOKEN): `--backend auto` picks GitHub when both are set.
 *
 * One command with subcommands: each subcommand declares which of the shared options it takes, so a
 * misplaced option is a usage error naming the subcommand it belongs to.
 */
import { resolve } from 'node:path'
import { RegistryNotFoundError, UsageError } from '../../errors.js'
import type { ModelName, StagePolicy } from '../../registry/index.js'
import type { ArtifactAnnotation } from '../../registry/annotations.js'
import { displayPath } from '../../fs/display-path.js'
import { didYouMean } from '../../spec/did-you-mean.js'
import { defineCommand } from '../command.js'
import { checkOutputFolder } from '../output-paths.js'
import { findRepositoryRoot } from '../validation-targets.js'

type OptionName = 'run' | 'evaluation' | 'commit' | 'bump' | 'version' | 'asset' | 'dir' | 'json' | 'message' | 'skip-requires'

interface Subcommand {
  usage: string
  summary: string
  /** Positional arguments after the subcommand: exactly this many. */
  arity: number
  options: readonly OptionName[]
}

/** The subcommands, in help order. */
const SUBCOMMANDS: Record<string, Subcommand> = {
  register: {
    usage: 'register <model> [--run DIR] [--evaluation FILE] [--commit REF] [--bump patch|minor|major] [--version vX.Y.Z]',
    summary: "register a trained, evaluated run as the model's next version (draft release, assets, tag, publish)",
    arity: 1,
    options: ['run', 'evaluation', 'commit', 'bump', 'version'],
  },
  promote: {
    usage: 'promote <ref> <stage> [--skip-requires]',
    summary: "move a stage to a version: <ref> is model@vX.Y.Z, model@latest or model#<other stage>",
    arity: 2,
    options: ['skip-requires'],
  },
  demote: { usage: 'demote <model#stage>', summary: 'take the version out of a stage', arity: 1, options: [] },
  deregister: {
    usage: 'deregister <model@vX.Y.Z> [--message TEXT]',
    summary: "withdraw a version with the tag <model>@vX.Y.Z! (GTO's deregistration); its release and assets stay",
    arity: 1,
    options: ['message'],
  },
  deprecate: {
    usage: 'deprecate <model> [--message TEXT]',
    summary: 'mark the whole model deprecated with the tag <model>@deprecated#N; versions, releases and stages stay',
    arity: 1,
    options: ['message'],
  },
  list: { usage: 'list', summary: 'every registered model: latest version, number of versions, stages', arity: 0, options: ['json'] },
  show: {
    usage: 'show <ref>',
    summary: 'a model: every version with its state and stages (as gto show <model>); a version (model@vX.Y.Z, @latest, #stage): commit, stages, who registered it, the run, its assets',
    arity: 1,
    options: ['json'],
  },
  history: { usage: 'history <model>', summary: "a model's registrations, stage moves and withdrawals, oldest first: who, when, which run, why", arity: 1, options: ['json'] },
  download: {
    usage: 'download <ref> [--asset NAME]... [--dir DIR]',
    summary: 'download assets of a version, each checked against its SHA256SUMS',
    arity: 1,
    options: ['asset', 'dir'],
  },
  'check-ref': {
    usage: 'check-ref <tag>',
    summary: 'what a pushed registry tag records: model, event, version, stage, commit (for CI jobs started by a tag, as gto check-ref)',
    arity: 1,
    options: ['json'],
  },
}

const NAMES = Object.keys(SUBCOMMANDS)

/** The registry command. */
export const registryCommand = defineCommand({
  name: 'registry',
  summary: 'register, promote, deregister, list, show and download model versions (git tags + release assets)',
  usage: '<subcommand> [arguments] [options]',
  description: [
    'Model versions are annotated git tags <model>@vX.Y.Z with a release holding model.onnx,',
    'evaluation.json, run.json, model-card.md, reference-profile.json, spec.yaml and SHA256SUMS; stages',
    "are tags <model>#<stage>#N (GTO's format, so GTO reads the same registry). The newest stage tag wins.",
    '',
    'Subcommands:',
    ...NAMES.map((name) => `  ${SUBCOMMANDS[name]!.usage}\n      ${SUBCOMMANDS[name]!.summary}`),
    '',
    'register takes the latest run of `modelship train` (.modelship/outputs/<model>) unless --run names',
    "one, and its evaluation.json (write it with modelship evaluate <model> --candidate <run> --out",
    '<run>/evaluation.json) unless --evaluation names one; the evaluation must have passed. The bump',
    "comes from the spec's register.bump unless --bump or --version says otherwise. Stages must be",
    "deploy environments or register.protected-stages of the model's spec. deregister and deprecate",
    'write tags only (nothing is deleted); touching a protected stage needs register.promote-roles, as',
    "promote does (the register defaults when the model's spec is gone).",
    '',
    'Backend: local (tags and release files, under refs/modelship/releases, in this repository) or github (the releases',
    'of GITHUB_REPOSITORY through GITHUB_TOKEN; GITHUB_API_URL for GitHub Enterprise). Exits 0 on',
    'success, 1 on a failure, 2 on a usage error.',
  ].join('\n'),
  arguments: [
    { name: 'subcommand', description: NAMES.join(', ') },
    { name: 'model', description: "a model name as in models/<name>/model.yaml ('dir:name' for models/dir/name/)" },
    { name: 'ref', description: 'model@vX.Y.Z, model@latest, model#<stage>, or model (its latest version)' },
  ],
  options: {
    path: {
      type: 'string',
      valueName: '<repo>',
      description: 'repository root holding models/; default the nearest folder at or above the current one that holds models/',
    },
    backend: { type: 'string', valueName: '<auto|local|github>', choices: ['auto', 'local', 'github'], default: 'auto', description: 'where the registry lives' },
    run: { type: 'string', valueName: '<dir>', description: 'register: the training run folder (model.onnx, run.json); default .modelship/outputs/<model>' },
    evaluation: { type: 'string', valueName: '<file>', description: "register: the run's evaluation.json; default <run>/evaluation.json" },
    commit: { type: 'string', valueName: '<ref>', description: 'register: the commit the version is made from (default HEAD)' },
    bump: { type: 'string', valueName: '<patch|minor|major>', choices: ['patch', 'minor', 'major'], description: "register: part of the version raised; default the spec's register.bump" },
    version: { type: 'string', valueName: '<vX.Y.Z>', description: 'register: this exact version instead of the next one' },
    asset: { type: 'string', valueName: '<name>', multiple: true, description: 'download: only this asset (repeat for more); default every asset and SHA256SUMS' },
    dir: { type: 'string', valueName: '<dir>', description: 'download: folder to write into (created when missing); default the current folder' },
    json: { type: 'boolean', description: 'list, show, history, check-ref: print JSON instead of a table' },
    message: { type: 'string', valueName: '<text>', description: 'deregister, deprecate: why, kept in the tag message' },
    'skip-requires': { type: 'boolean', description: "promote: even a version never in the stage the spec's deploy requires first; the tag message records it" },
  },
  examples: [
    'modelship train churn',
    'modelship evaluate churn --candidate .modelship/outputs/churn --champion registry --out .modelship/outputs/churn/evaluation.json',
    'modelship registry register churn',
    'modelship registry promote churn@latest staging',
    'modelship registry promote churn#staging production',
    "modelship registry deregister churn@v0.0.3 --message 'leaks a feature from the future'",
    "modelship registry deprecate churn --message 'replaced by churn-v2'",
    'modelship registry list',
    'modelship registry show churn#production',
    'modelship registry history churn',
    'modelship registry download churn#production --dir champion && (cd champion && sha256sum -c SHA256SUMS)',
    'GITHUB_TOKEN=... GITHUB_REPOSITORY=acme/models modelship registry list --backend github',
  ],
  async run({ values, positionals }, io) {
    const [name, ...args] = positionals
    if (name === undefined) throw new UsageError(`missing the subcommand: one of ${NAMES.join(', ')}`)
    const sub = SUBCOMMANDS[name]
    if (!sub) throw new UsageError(`unknown subcommand '${name}': expected one of ${NAMES.join(', ')}${didYouMean(name, NAMES)}`)
    checkArguments(name, sub, args, values as Record<string, unknown>)
    const root = values.path !== undefined ? resolve(io.cwd, values.path) : ((await findRepositoryRoot(io.cwd)) ?? resolve(io.cwd))
    // The registry core and its backends are loaded only when a registry command runs.
    const registry = await import('../../registry/index.js')
    const backend = registry.openRegistry({ backend: values.backend as 'auto' | 'local' | 'github', repoDir: root })
    if (backend instanceof registry.LocalRegistryBackend) await assertGitWorkTree(root)
    const log = { info: (m: string) => io.err(`${m}\n`), warn: (m: string) => io.err(`warning: ${m}\n`) }
    const quiet = { info: () => {}, warn: log.warn }
    const json = (value: unknown) => io.out(`${JSON.stringify(value, null, 2)}\n`)
    const show = (path: string) => displayPath(path, io.cwd)

    switch (name) {
      case 'register': {
        const { registerFromRun } = await import('./registry-register.js')
        return registerFromRun({ model: args[0]!, root, backend, values, io, log, show })
      }
      case 'promote':
      case 'demote': {
        const ref = registry.ModelRef.parse(args[0]!)
        if (name === 'demote' && ref.selector.kind !== 'stage') {
          throw new UsageError(`'${args[0]}' names no stage: expected <model>#<stage>, e.g. ${ref.model}#staging`)
        }
        const { findModelSpec } = await import('../../evaluate/find-spec.js')
        const { file, spec } = await findModelSpec(root, ref.model.toString())
        const common = { backend, log: quiet, policy: registry.stagePolicy(spec, file), ...actorOf(process.env) }
        const result = name === 'promote' ? await registry.promote({ ...common, ref: args[0]!, stage: args[1]!, skipRequires: values['skip-requires'] === true }) : await registry.demote({ ...common, ref: args[0]! })
        if (result.status === 'unchanged') {
          io.out(
            name === 'promote'
              ? `${result.model} ${result.stage} already points at ${result.version}; nothing to do\n`
              : `${result.model} ${result.version} is not in ${result.stage}; nothing to do\n`,
          )
        } else if (name === 'promote') {
          io.out(`${result.model} ${result.stage}: ${result.previous ?? 'none'} → ${result.version} (tag ${result.tag})\n`)
        } else {
          io.out(`${result.model} ${result.stage}: ${result.version} taken out (tag ${result.tag})\n`)
        }
        return 0
      }
      case 'deregister':
      case 'deprecate': {
        const model = name === 'deregister' ? registry.ModelRef.parse(args[0]!).model : registry.ModelName.parse(args[0]!)
        const common = { backend, log: quiet, policy: await withdrawalPolicy(root, model.toString()), ...actorOf(process.env), ...messageOf(values.message) }
        if (name === 'deregister') {
          const result = await registry.deregister({ ...common, ref: args[0]! })
          if (result.status === 'unchanged') {
            io.out(`${result.model} ${result.version} is already deregistered (tag ${result.tag}); nothing to do\n`)
            return 0
          }
          io.out(
            `${result.model} ${result.version} deregistered (tag ${result.tag}); its release ${result.release} and assets stay, as GTO keeps history\n` +
              `${result.model}@latest is now ${result.latest ?? 'none: no active version is left'}\n`,
          )
          return 0
        }
        const result = await registry.deprecate({ ...common, model })
        if (result.status === 'unchanged') {
          io.out(`${result.model} is already deprecated (tag ${result.tag}); nothing to do\n`)
          return 0
        }
        io.out(
          `${result.model} deprecated (tag ${result.tag} on ${result.version ? `the commit of ${result.version}` : `commit ${result.commit.slice(0, 7)}`}); ` +
            'its versions, releases and stages stay; any later registry tag (a registration, stage move or withdrawal) ends the deprecation, as in GTO\n',
        )
        return 0
      }
      case 'list': {
        const models = await registry.listModels(backend, { warn: log.warn })
        if (values.json === true) json(models)
        else io.out(registry.formatModelList(models))
        return 0
      }
      case 'show': {
        const ref = registry.ModelRef.parse(args[0]!)
        if (ref.selector.kind === 'model') {
          const rows = await registry.listVersions(backend, ref.model, { warn: log.warn })
          if (values.json === true) json(rows)
          else io.out(registry.formatVersionTable(ref.model.toString(), rows))
          return 0
        }
        const details = await registry.showVersion(backend, args[0]!, { warn: log.warn })
        const annotation = await annotationOf(root, details.commit, ref.model, log.warn)
        if (values.json === true) json(annotation ? { ...details, annotation } : details)
        else io.out(registry.formatVersionDetails(details, annotation))
        return 0
      }
      case 'check-ref': {
        const facts = await registry.checkRef(backend, args[0]!, { warn: log.warn })
        if (!facts) {
          // Not an error: a job started by every pushed tag asks about release tags too.
          io.err(`'${args[0]}' is not a registry tag (<model>@vX.Y.Z, <model>#<stage>#N, <model>@deprecated); nothing to report\n`)
          if (values.json === true) json(null)
          return 0
        }
        if (values.json === true) json(facts)
        else io.out(registry.formatTagFacts(facts))
        return 0
      }
      case 'history': {
        const entries = await registry.modelHistory(backend, args[0]!, { warn: log.warn })
        if (values.json === true) json(entries)
        else io.out(registry.formatHistory(entries))
        return 0
      }
      case 'download': {
        const dir = resolve(io.cwd, values.dir ?? '.')
        await checkOutputFolder(dir, '--dir', io.cwd)
        const assets = values.asset as string[] | undefined
        const result = await registry.download({ backend, ref: args[0]!, dir, log: quiet, ...(assets ? { assets } : {}) })
        for (const file of result.files) io.out(`${show(file.path)}  sha256 ${file.sha256}  verified\n`)
        io.out(
          `Downloaded ${result.files.length} asset${result.files.length === 1 ? '' : 's'} of ${result.tag}` +
            (assets ? '\n' : `; check them again with: cd ${show(dir)} && sha256sum -c SHA256SUMS\n`),
        )
        return 0
      }
    }
    return 1
  },
})

/**
 * Protected stages and roles for deregister and deprecate: from the model's spec, or the register
 * defaults when the spec is gone (a deprecated model's folder is often deleted; production stays guarded).
 */
async function withdrawalPolicy(root: string, model: string): Promise<StagePolicy> {
  const { findModelSpecFile } = await import('../../evaluate/find-spec.js')
  const registry = await import('../../registry/index.js')
  let file: string
  try {
    file = await findModelSpecFile(root, model)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    const z = await import('zod/mini')
    const { RegisterSpecSchema } = await import('../../spec/model-schema.js')
    return registry.stagePolicy({ deploy: [], register: z.parse(RegisterSpecSchema, {}) }, `the register defaults (models/${model.replace(':', '/')}/model.yaml is gone)`)
  }
  const { loadModelSpec } = await import('../../spec/index.js')
  return registry.stagePolicy(await loadModelSpec(root, file), file)
}

/**
 * The local registry keeps versions as tags of the repository, so it needs one; without this check
 * the first git command fails deep inside a backend call and reads like a bug in Modelship.
 */
async function assertGitWorkTree(root: string): Promise<void> {
  const { git, GitCommandError } = await import('../../git/command.js')
  try {
    await git(['rev-parse', '--is-inside-work-tree'], { cwd: root })
  } catch (error) {
    // Only git's own answer means "no repository"; anything else (git missing, no permission) is
    // reported as it is, never turned into "not a repository".
    if (!(error instanceof GitCommandError) || !/not a git repository/i.test(error.stderr)) throw error
    throw new RegistryNotFoundError(
      `${root} is not a git repository, and the local registry keeps model versions as git tags of one; ` +
        `make it one (git init && git add -A && git commit -m 'models'), run from inside a clone, or set GITHUB_TOKEN and GITHUB_REPOSITORY to use the GitHub registry`,
    )
  }
}

/** The model's `artifacts.yaml` annotation (GTO) at the version's commit; best effort: a warning when unreadable. */
async function annotationOf(root: string, commit: string, model: ModelName, warn: (m: string) => void): Promise<ArtifactAnnotation | undefined> {
  const { readArtifactAnnotation } = await import('../../registry/annotations.js')
  try {
    return await readArtifactAnnotation(root, commit, model)
  } catch (error) {
    // Without a checkout holding the commit (GitHub backend from elsewhere) there is nothing to read.
    warn(`could not read the artifacts.yaml annotation of ${model} at ${commit.slice(0, 7)}: ${(error as Error).message.split('\n')[0]}`)
    return undefined
  }
}

/** `--message`, trimmed; absent when empty. */
function messageOf(value: unknown): { message?: string } {
  return typeof value === 'string' && value.trim() ? { message: value } : {}
}

/** GITHUB_ACTOR, who promotes (needed for protected stages on GitHub). */
function actorOf(env: NodeJS.ProcessEnv): { actor?: string } {
  const actor = env.GITHUB_ACTOR?.trim()
  return actor ? { actor } : {}
}

function checkArguments(name: string, sub: Subcommand, args: string[], values: Record<string, unknown>): void {
  const given = (option: string) => values[option] !== undefined && values[option] !== false
  for (const option of ['run', 'evaluation', 'commit', 'bump', 'version', 'asset', 'dir', 'json', 'message', 'skip-requires'] as const) {
    if (given(option) && !sub.options.includes(option)) {
      const owners = NAMES.filter((n) => SUBCOMMANDS[n]!.options.includes(option))
      throw new UsageError(`option '--${option}' does not apply to 'registry ${name}'; it belongs to registry ${owners.join(', ')}`)
    }
  }
  const usage = `modelship registry ${sub.usage}`
  if (args.length < sub.arity) {
    const missing = sub.usage.split(' ').slice(1, 1 + sub.arity).filter((part) => part.startsWith('<'))[args.length]
    throw new UsageError(`missing ${missing ?? 'an argument'}: ${usage}`)
  }
  if (args.length > sub.arity) {
    throw new UsageError(`too many arguments: ${args.slice(sub.arity).map((a) => `'${a}'`).join(', ')}; ${usage}`)
  }
}
