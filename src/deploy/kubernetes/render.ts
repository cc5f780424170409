/**
 * The kubernetes provider: renders the KServe InferenceService of every model an environment's
 * desired state serves with `provider: kubernetes` into `deploy/k8s/<environment>/<name>.yaml`, for
 * Argo CD or Flux to apply. The files are a pure function of `deploy/<environment>.yaml` and the
 * specs (no timestamps), each written whole (a reader never sees half a manifest), left untouched
 * when already right, and a manifest whose model left the environment is deleted, so a GitOps
 * controller that prunes takes the InferenceService down too.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ModelshipError } from '../../errors.js'
import { writeFileAtomic } from '../../fs/atomic-file.js'
import { findModelFiles } from '../../spec/discover.js'
import { expectedModelName, loadModelSpec, type ModelSpec } from '../../spec/index.js'
import { DeployRefusedError } from '../errors.js'
import { modelTraffic, readDesiredState } from '../desired-state.js'
import { RENDERED_MARKER, renderInferenceService, type ReleaseLocation, type RenderedInferenceService } from './inference-service.js'

/** Options of `renderKubernetes`. */
export interface RenderKubernetesOptions {
  /** Repository root holding models/ and deploy/. */
  root: string
  environment: string
  /** Where the versions' release assets live (their `model.onnx` is the `storageUri`). */
  release: ReleaseLocation
  /** Compute what would change without writing or deleting anything; default false. */
  dryRun?: boolean
}

/** A model of the desired state that got no manifest, and why. */
export interface SkippedModel {
  model: string
  reason: string
}

/** What `renderKubernetes` did. */
export interface RenderKubernetesResult {
  /** Repository-relative folder of the environment's manifests: `deploy/k8s/<environment>`. */
  dir: string
  /** Every manifest the desired state calls for, by file name order. */
  manifests: (RenderedInferenceService & { file: string; status: 'written' | 'unchanged' })[]
  /** Repository-relative files of manifests deleted because their model left the environment. */
  removed: string[]
  /** Models served with another provider, or with no deploy entry for this environment. */
  skipped: SkippedModel[]
}

/** The folder of an environment's manifests, repository-relative. */
export function kubernetesManifestDir(environment: string): string {
  return `deploy/k8s/${environment}`
}

/** Renders, writes and prunes the environment's manifests; see the module comment. */
export async function renderKubernetes(options: RenderKubernetesOptions): Promise<RenderKubernetesResult> {
  const { root, environment } = options
  const specs = await loadSpecs(root)
  const { file: stateFile, state } = await readDesiredState(root, environment, { models: new Set(specs.keys()) })
  const dir = kubernetesManifestDir(environment)

  const rendered: RenderedInferenceService[] = []
  const skipped: SkippedModel[] = []
  const byName = new Map<string, string>()
  for (const model of [...new Set(state.models.map((entry) => entry.model))].sort()) {
    const { file: specFile, spec } = specs.get(model)!
    const target = spec.deploy.find((entry) => entry.environment === environment)
    if (target === undefined) {
      skipped.push({ model, reason: `${specFile} does not list '${environment}' in deploy` })
      continue
    }
    if (target.provider !== 'kubernetes') {
      skipped.push({ model, reason: `its deploy entry for '${environment}' has provider: ${target.provider}` })
      continue
    }
    const manifest = renderInferenceService({
      environment,
      model,
      traffic: modelTraffic(state, model),
      target,
      release: options.release,
      sources: [stateFile, specFile],
    })
    const clash = byName.get(manifest.name)
    if (clash !== undefined) {
      throw new DeployRefusedError(
        `models ${clash} and ${model} would both be the InferenceService '${manifest.name}' in environment '${environment}'; rename one of them`,
      )
    }
    byName.set(manifest.name, model)
    rendered.push(manifest)
  }

  const existing = await readExisting(root, dir)
  const manifests: RenderKubernetesResult['manifests'] = []
  for (const manifest of rendered.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = `${dir}/${manifest.name}.yaml`
    const before = existing.get(`${manifest.name}.yaml`)
    if (before !== undefined && !before.startsWith(RENDERED_MARKER)) {
      throw new DeployRefusedError(`${file} exists and was not rendered by modelship (its first line is not '${RENDERED_MARKER} …'); move it out of ${dir}/, which modelship owns`)
    }
    const status = before === manifest.text ? 'unchanged' : 'written'
    if (status === 'written' && !options.dryRun) {
      await mkdir(join(root, dir), { recursive: true })
      await writeFileAtomic(join(root, file), manifest.text)
    }
    manifests.push({ ...manifest, file, status })
  }

  const removed: string[] = []
  for (const [name, text] of [...existing].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (byName.has(name.replace(/\.yaml$/, '')) || !text.startsWith(RENDERED_MARKER)) continue
    if (!options.dryRun) await rm(join(root, dir, name), { force: true })
    removed.push(`${dir}/${name}`)
  }
  return { dir, manifests, removed, skipped }
}

/** Every model spec of the repository by name; an invalid spec fails with its problems, as validate reports them. */
async function loadSpecs(root: string): Promise<Map<string, { file: string; spec: ModelSpec }>> {
  const specs = new Map<string, { file: string; spec: ModelSpec }>()
  for (const file of await findModelFiles(root)) {
    specs.set(expectedModelName(file), { file, spec: await loadModelSpec(root, file) })
  }
  return specs
}

/** The `.yaml` files in the manifest folder and their text; none when the folder does not exist yet. */
async function readExisting(root: string, dir: string): Promise<Map<string, string>> {
  const found = new Map<string, string>()
  let names: string[]
  try {
    names = await readdir(join(root, dir))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found
    throw new ModelshipError(`could not list ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions`, { cause: error })
  }
  for (const name of names.filter((entry) => entry.endsWith('.yaml')).sort()) {
    try {
      found.set(name, await readFile(join(root, dir, name), 'utf8'))
    } catch (error) {
      throw new ModelshipError(`could not read ${dir}/${name} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions`, {
        cause: error,
      })
    }
  }
  return found
}
