/**
 * `modelship registry register <model>`: assembles the version's assets from a training run and its
 * evaluation (src/registry/assemble.ts), registers them, and prints the version, where its release
 * is and every asset with size and SHA-256. Loaded only when this subcommand runs.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { RegistryNotFoundError, UsageError } from '../../errors.js'
import { findModelSpec } from '../../evaluate/find-spec.js'
import { isDirectory, isFile } from '../../fs/file-kind.js'
import { readRunUrl } from '../../github/context.js'
import { assembleAssets } from '../../registry/assemble.js'
import type { RegistryBackend } from '../../registry/backend.js'
import { LocalRegistryBackend } from '../../registry/local-backend.js'
import type { RegistryLog } from '../../registry/log.js'
import { register } from '../../registry/register.js'
import { releaseAssetFacts, releaseUrl } from '../../registry/release-facts.js'
import { git } from '../../git/command.js'
import { defaultTrainDirs } from '../../train/train-dirs.js'
import { readRunRecord } from '../../train/run-record.js'
import { RUN_EVALUATION_FILE } from '../../train/runs-store.js'
import type { CliIo } from '../command.js'

/** What `registerFromRun` needs from the registry command. */
export interface RegisterFromRunOptions {
  model: string
  /** Repository root holding models/. */
  root: string
  backend: RegistryBackend
  values: { run?: string; evaluation?: string; commit?: string; bump?: string; version?: string }
  io: CliIo
  log: RegistryLog
  show: (path: string) => string
}

/** Runs `registry register`; resolves to the exit code. */
export async function registerFromRun(options: RegisterFromRunOptions): Promise<number> {
  const { root, backend, values, io, log, show } = options
  if (values.bump !== undefined && values.version !== undefined) {
    throw new UsageError(`--bump ${values.bump} and --version ${values.version} exclude each other: give one`)
  }
  const { file, spec } = await findModelSpec(root, options.model)
  const runDir = values.run !== undefined ? resolve(io.cwd, values.run) : join(root, defaultTrainDirs(spec.name).outputDir)
  if (!(await isDirectory(runDir))) {
    throw new RegistryNotFoundError(
      values.run !== undefined
        ? `the run folder ${show(runDir)} does not exist; pass the folder that modelship train (or actions/train's output-dir) wrote`
        : `${spec.name} has no local training run (${show(runDir)} does not exist); train it first with modelship train ${spec.name}, or pass --run <dir>`,
    )
  }
  const evaluationFile =
    values.evaluation !== undefined ? resolve(io.cwd, values.evaluation) : await defaultEvaluation(root, spec.name, runDir)
  if (evaluationFile === undefined) {
    const evaluate = `modelship evaluate ${spec.name}${values.run !== undefined ? ` --candidate ${show(runDir)}` : ''} --champion registry`
    throw new RegistryNotFoundError(
      `the run in ${show(runDir)} has no evaluation.json; evaluate it first with ${evaluate}, or pass --evaluation <file>`,
    )
  }
  const commit = await commitToRegister(backend, root, values.commit ?? 'HEAD')
  const workDir = await mkdtemp(join(tmpdir(), 'modelship-assets-'))
  try {
    const assembled = await assembleAssets({ repoRoot: root, specFile: file, spec, runDir, evaluationFile, outDir: workDir, showPath: show })
    const trained = assembled.run.commit
    if (trained === null) log.warn(`run ${assembled.run.id} was not trained in a git repository; the version records commit ${commit.slice(0, 7)}`)
    else if (trained.dirty) log.warn(`run ${assembled.run.id} was trained from uncommitted changes on ${trained.sha.slice(0, 7)}; commit ${commit.slice(0, 7)} may not hold the code that made it`)
    else if (trained.sha !== commit) log.warn(`run ${assembled.run.id} was trained at commit ${trained.sha.slice(0, 7)}, not ${commit.slice(0, 7)} that is registered; train again to have them match`)
    const runUrl = readRunUrl(process.env)
    const actor = process.env.GITHUB_ACTOR?.trim()
    const result = await register({
      model: spec.name,
      commit,
      assetsDir: assembled.dir,
      bump: (values.bump as 'patch' | 'minor' | 'major' | undefined) ?? spec.register.bump,
      ...(values.version !== undefined ? { version: values.version } : {}),
      backend,
      ...(actor ? { actor } : {}),
      ...(runUrl ? { run: { url: runUrl } } : {}),
      ...(assembled.sweep ? { sweep: assembled.sweep } : {}),
      log,
    })
    const repaired = result.repaired.length > 0 ? ` (uploaded again: ${result.repaired.join(', ')})` : ''
    const verb = repaired ? 'Repaired' : { registered: 'Registered', completed: 'Finished registering', unchanged: 'Already registered:' }[result.status]
    io.out(`${verb} ${result.tag} from commit ${result.commit.slice(0, 7)} in ${backend.description}${repaired}\n`)
    const release = result.release ?? (await backend.getRelease(result.tag))
    if (release && !release.draft) {
      io.out(`  release  ${releaseUrl(backend, result.tag)}\n`)
      const facts = await releaseAssetFacts(backend, release)
      const width = Math.max(...facts.map((f) => f.name.length))
      const sizeWidth = Math.max(...facts.map((f) => String(f.size).length))
      for (const f of facts) io.out(`  asset    ${f.name.padEnd(width)}  ${String(f.size).padStart(sizeWidth)} bytes  sha256 ${f.sha256}\n`)
    } else {
      io.out('  release  still being finished by another run\n')
    }
    return 0
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/**
 * The evaluation `register` takes without --evaluation: `evaluation.json` in the run folder (written
 * there with --out), else the one `modelship evaluate` kept with the run that made the folder's
 * model (`.modelship/runs/<model>/<run>/evaluation.json`); undefined when neither is there.
 */
async function defaultEvaluation(root: string, model: string, runDir: string): Promise<string | undefined> {
  const beside = join(runDir, RUN_EVALUATION_FILE)
  if (await isFile(beside)) return beside
  const record = await readRunRecord(runDir)
  if (record === undefined) return undefined
  const kept = join(root, defaultTrainDirs(model).runsDir, model, record.id, RUN_EVALUATION_FILE)
  return (await isFile(kept)) ? kept : undefined
}

/**
 * The full SHA of `ref` in the local checkout when there is one (so `HEAD` means the local HEAD
 * also on GitHub, where it must have been pushed); else `ref` as given, for the backend to resolve.
 */
async function commitToRegister(backend: RegistryBackend, root: string, ref: string): Promise<string> {
  if (backend instanceof LocalRegistryBackend) return backend.resolveCommit(ref)
  try {
    const local = (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: root })).trim()
    return await backend.resolveCommit(local)
  } catch (error) {
    if (error instanceof RegistryNotFoundError) throw error
    return backend.resolveCommit(ref)
  }
}
