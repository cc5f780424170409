/**
 * Where a served model comes from: a local `model.onnx`, a run folder holding one, or a registry
 * reference (`churn#production`, `churn@v0.0.3`, `churn@latest`) downloaded through the registry's
 * verified download (each file checked against the sha256s the version recorded before it is moved
 * into place), so a checksum mismatch loads nothing.
 */
import { readFile, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { parse } from 'yaml'
import { ModelError, UsageError } from '../errors.js'
import { download, ModelRef, resolveVersion, type RegistryBackend } from '../registry/index.js'

/** A model source as written: `[name=]<path or registry reference>`. */
export interface ModelSource {
  /** The served name; default the registry model, or the file's folder name. */
  name?: string
  /** A path to a `.onnx` file or a folder holding `model.onnx`, or a registry reference. */
  source: string
  /** The served version for a local file; default `1` (registry sources use their registered version). */
  version?: string
}

/** A source resolved to a file on disk. */
export interface ResolvedSource {
  name: string
  version: string
  path: string
  /** The source as given, for the repository index. */
  source: string
  /** The spec's `data.features`, when the source came with a spec (a registry version, a run folder). */
  features?: string[]
}

/** Options of `resolveSource`. */
export interface ResolveSourceOptions {
  /** Where relative paths start. */
  cwd: string
  /** Opened on first use, only for registry references. */
  registry: () => RegistryBackend
  /** Folder downloads go into (`<dir>/<model>/v<X.Y.Z>/model.onnx`). */
  cacheDir: string
}

/** Parses `churn=./model.onnx`, `./runs/x`, `churn#production`. */
export function parseModelSource(text: string): ModelSource {
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)=(.+)$/.exec(text.trim())
  if (match) return { name: match[1]!, source: match[2]! }
  if (text.trim() === '') throw new UsageError('an empty --model; give a path to model.onnx, a run folder, or a registry reference such as churn#production')
  return { source: text.trim() }
}

/** Resolves a source to a loadable file, downloading and verifying registry versions. */
export async function resolveSource(source: ModelSource, options: ResolveSourceOptions): Promise<ResolvedSource> {
  const local = await localModelFile(resolve(options.cwd, source.source))
  if (local) {
    const name = source.name ?? (basename(local) === 'model.onnx' ? basename(dirname(local)) : basename(local, '.onnx'))
    const features = basename(local) === 'model.onnx' ? await runFolderFeatures(dirname(local), options.cwd) : undefined
    return { name, version: source.version ?? '1', path: local, source: source.source, ...(features ? { features } : {}) }
  }
  if (!/[#@]/.test(source.source)) {
    throw new UsageError(`model source '${source.source}' is neither a file or folder here nor a registry reference (model#stage, model@v1.2.3, model@latest)`)
  }
  let ref: ModelRef
  try {
    ref = ModelRef.parse(source.source)
  } catch (error) {
    throw new UsageError(`model source '${source.source}' is not a path here and not a registry reference: ${error instanceof Error ? error.message : String(error)}`)
  }
  const name = source.name ?? ref.model.toString()
  const backend = options.registry()
  // The version is resolved first so that each version has its own folder and never overwrites a served file.
  const { version } = await resolveVersion(backend, ref)
  const dir = join(options.cacheDir, ref.model.toString(), version.version.toString())
  // spec.yaml (verified like the model) names the features; versions registered without one still load.
  const release = await backend.getRelease(version.tag.name)
  const withSpec = release?.assets.some((a) => a.name === 'spec.yaml') ?? false
  const result = await download({ backend, ref: `${ref.model.toString()}@${version.version.toString()}`, assets: withSpec ? ['model.onnx', 'spec.yaml'] : ['model.onnx'], dir })
  const file = result.files.find((f) => f.name === 'model.onnx')
  if (!file) throw new ModelError(`${result.tag} has no model.onnx asset; register the version with its model file`)
  const spec = result.files.find((f) => f.name === 'spec.yaml')
  const features = spec ? await specFeatures(spec.path) : undefined
  return { name, version: version.version.toString(), path: file.path, source: source.source, ...(features ? { features } : {}) }
}

/**
 * The features of a run folder's model: its `spec.yaml` (a downloaded version), else the spec of the
 * model its run.json names, `models/<name>/model.yaml` under `cwd`. Undefined when neither is there.
 */
async function runFolderFeatures(folder: string, cwd: string): Promise<string[] | undefined> {
  const beside = await specFeatures(join(folder, 'spec.yaml'))
  if (beside) return beside
  let model: unknown
  try {
    model = (JSON.parse(await readFile(join(folder, 'run.json'), 'utf8')) as { model?: unknown }).model
  } catch {
    return undefined
  }
  if (typeof model !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(model)) return undefined
  return await specFeatures(join(cwd, 'models', ...model.split(':'), 'model.yaml'))
}

/**
 * `data.features` of a spec file; undefined when the file is absent. The spec was validated when it
 * was registered or trained, so only the one key is read here; a file that cannot be parsed is an error.
 */
async function specFeatures(path: string): Promise<string[] | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UsageError(`could not read the spec ${path} (${code ?? String(error)}); check its permissions`)
  }
  let spec: unknown
  try {
    spec = parse(text)
  } catch (error) {
    throw new ModelError(`the spec ${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`)
  }
  const features = (spec as { data?: { features?: unknown } } | null)?.data?.features
  return Array.isArray(features) && features.length > 0 && features.every((f) => typeof f === 'string') ? features : undefined
}

async function localModelFile(path: string): Promise<string | undefined> {
  let info
  try {
    info = await stat(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new UsageError(`could not read model source ${path} (${code ?? String(error)}); check its permissions`)
  }
  if (info.isFile()) return path
  const inside = join(path, 'model.onnx')
  try {
    await stat(inside)
    return inside
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new UsageError(`folder ${path} holds no model.onnx; point --model at the .onnx file or at a run folder that has one`)
    throw new UsageError(`could not read ${inside} (${code ?? String(error)}); check its permissions`)
  }
}
