/**
 * One KServe `InferenceService` (serving.kserve.io/v1beta1) for one model in one environment, built
 * from the environment's desired state and the model's spec. KServe then serves the same `model.onnx`
 * that `modelship serve` serves, over the same Open Inference Protocol (V2), so clients move between
 * the two without change.
 *
 * KServe splits traffic between two revisions at most: the latest (the manifest's `storageUri`) gets
 * `canaryTrafficPercent`, the previously rolled-out revision the rest. So a desired state of
 * `v1.2.0 90%, v1.3.0 10%` renders `storageUri` at v1.3.0 with `canaryTrafficPercent: 10`, and it
 * means that only when the cluster's previous revision is v1.2.0, which holds when Argo CD or Flux
 * applies the rendered commits in order (the stable version is recorded in an annotation for people).
 */
import { stringify } from 'yaml'
import { ModelName, ModelTag, SemVer } from '../../registry/index.js'
import { KubernetesSpecSchema } from '../../spec/model-schema.js'
import type { DeployTargetSpec } from '../../spec/index.js'
import { DeployRefusedError } from '../errors.js'
import type { ModelTraffic } from '../desired-state.js'

/** Where release assets are downloaded from: `<serverUrl>/<owner>/<repo>/releases/download/<tag>/<asset>`. */
export interface ReleaseLocation {
  /** Web root without a trailing slash, e.g. https://github.com. */
  serverUrl: string
  owner: string
  repo: string
}

/** What one InferenceService is made from. */
export interface InferenceServiceInput {
  environment: string
  model: string
  /** The model's entries in the desired state (the shares add up to 100). */
  traffic: readonly ModelTraffic[]
  /** The spec's `deploy` entry for this environment. */
  target: Pick<DeployTargetSpec, 'kubernetes'>
  release: ReleaseLocation
  /** Repository-relative files the manifest is rendered from, named in its header comment. */
  sources: readonly string[]
}

/** A rendered manifest. */
export interface RenderedInferenceService {
  /** The InferenceService's `metadata.name`, also the file's name without `.yaml`. */
  name: string
  model: string
  /** The version `storageUri` points at (the canary when there are two). */
  version: string
  /** The version that keeps the rest of the traffic during a canary. */
  stableVersion?: string
  /** Percent of requests the canary gets; undefined when one version takes all. */
  canaryTrafficPercent?: number
  /** The file's text: header comment and YAML. */
  text: string
}

/** The first line of every file the provider writes; a file without it is never overwritten or deleted. */
export const RENDERED_MARKER = '# Rendered by modelship'

/** `deploy[].kubernetes` when the spec leaves it out: one replica, no GPU, KServe's default resources. */
const DEFAULT_SIZING: KubernetesSizing = KubernetesSpecSchema.parse({})

/** A parsed `deploy[].kubernetes`. */
type KubernetesSizing = NonNullable<DeployTargetSpec['kubernetes']>

/** Longest `metadata.name` KServe accepts: a DNS label, which the predictor's host name is built from. */
const MAX_NAME_LENGTH = 63

/**
 * The InferenceService name of a model: `churn` → `churn`, `vision:detector` → `vision-detector`, a
 * name starting with a digit gets an `m-` prefix (KServe wants a DNS-1035 label: a letter first).
 * Throws DeployRefusedError when the name is too long for one.
 */
export function inferenceServiceName(model: string): string {
  const name = ModelName.parse(model)
  const parts = name.dir === undefined ? [name.base] : [...name.dir.split(/[/._]+/), name.base]
  let slug = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
  if (!/^[a-z]/.test(slug)) slug = `m-${slug}`
  if (slug.length > MAX_NAME_LENGTH) {
    throw new DeployRefusedError(
      `model ${model} would be the InferenceService '${slug}' (${slug.length} characters); KServe takes at most ${MAX_NAME_LENGTH}: shorten the model's name or its folder`,
    )
  }
  return slug
}

/** `https://github.com/acme/models/releases/download/churn%40v1.3.0/model.onnx`. */
export function releaseAssetUrl(release: ReleaseLocation, model: string, version: string, asset = 'model.onnx'): string {
  const tag = new ModelTag(ModelName.parse(model), SemVer.parse(version)).toString()
  return `${release.serverUrl}/${release.owner}/${release.repo}/releases/download/${encodeURIComponent(tag)}/${encodeURIComponent(asset)}`
}

/** Renders the InferenceService of `input.model`; throws DeployRefusedError when KServe cannot express its traffic. */
export function renderInferenceService(input: InferenceServiceInput): RenderedInferenceService {
  const name = inferenceServiceName(input.model)
  const serving = input.traffic.filter((entry) => entry.share > 0)
  const split = canarySplit(input.environment, input.model, serving)
  const kubernetes = input.target.kubernetes ?? DEFAULT_SIZING
  const minReplicas = kubernetes.minReplicas
  const maxReplicas = kubernetes.maxReplicas ?? Math.max(minReplicas, 1)

  const annotations: Record<string, string> = {
    'modelship.dev/model': input.model,
    'modelship.dev/version': split.canary.version,
  }
  if (split.stable) annotations['modelship.dev/stable-version'] = split.stable.version
  const metadata: Record<string, unknown> = { name }
  if (kubernetes.namespace !== undefined) metadata.namespace = kubernetes.namespace
  metadata.labels = { 'app.kubernetes.io/managed-by': 'modelship', 'app.kubernetes.io/name': name, 'modelship.dev/environment': input.environment }
  metadata.annotations = annotations

  const model: Record<string, unknown> = {
    modelFormat: { name: 'onnx' },
    protocolVersion: 'v2',
    storageUri: releaseAssetUrl(input.release, input.model, split.canary.version),
  }
  const resources = resourcesOf(kubernetes)
  if (resources) model.resources = resources
  const predictor: Record<string, unknown> = { minReplicas, maxReplicas }
  if (split.stable) predictor.canaryTrafficPercent = split.canary.share
  predictor.model = model

  const manifest = { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata, spec: { predictor } }
  const header = [
    `${RENDERED_MARKER} from ${input.sources.join(' and ')}; do not edit:`,
    `# change those and run: modelship k8s render --environment ${input.environment}`,
  ]
  return {
    name,
    model: input.model,
    version: split.canary.version,
    ...(split.stable ? { stableVersion: split.stable.version, canaryTrafficPercent: split.canary.share } : {}),
    // Plain style only where YAML reads the text back as the same string; no line folding, so
    // the same input always gives the same bytes.
    text: `${header.join('\n')}\n${stringify(manifest, { lineWidth: 0 })}`,
  }
}

/** The one or two serving versions of a model, as KServe's latest (canary) and previous (stable) revisions. */
function canarySplit(environment: string, model: string, serving: readonly ModelTraffic[]): { canary: ModelTraffic; stable?: ModelTraffic } {
  const [first, second, ...rest] = [...serving].sort((a, b) => SemVer.parse(b.version).compare(SemVer.parse(a.version)))
  if (first === undefined) {
    throw new DeployRefusedError(`${model} has no version with a share above 0 in environment '${environment}'; deploy a version or retire the model`)
  }
  if (rest.length > 0) {
    const list = serving.map((entry) => `${entry.version} ${entry.share}%`).join(', ')
    throw new DeployRefusedError(
      `${model} serves ${serving.length} versions in environment '${environment}' (${list}); a KServe InferenceService splits traffic between two at most: finish or roll back the canary first`,
    )
  }
  if (second === undefined) return { canary: first }
  if (!Number.isInteger(first.share)) {
    throw new DeployRefusedError(
      `${model} ${first.version} has a share of ${first.share}% in environment '${environment}'; KServe's canaryTrafficPercent is a whole percent: deploy it with a whole --traffic`,
    )
  }
  return { canary: first, stable: second }
}

/** Requests and limits of each replica: CPU and memory as given (request = limit), GPUs as limits. */
function resourcesOf(kubernetes: KubernetesSizing): Record<string, Record<string, string>> | undefined {
  const sized: Record<string, string> = {}
  if (kubernetes.cpu !== undefined) sized.cpu = kubernetes.cpu
  if (kubernetes.memory !== undefined) sized.memory = kubernetes.memory
  const limits: Record<string, string> = { ...sized }
  // Kubernetes takes an extended resource such as a GPU in limits (requests default to them).
  if (kubernetes.gpus > 0) limits['nvidia.com/gpu'] = String(kubernetes.gpus)
  if (Object.keys(limits).length === 0) return undefined
  return Object.keys(sized).length > 0 ? { requests: sized, limits } : { limits }
}
