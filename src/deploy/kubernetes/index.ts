/**
 * The kubernetes provider: KServe InferenceService manifests rendered from the desired state into
 * `deploy/k8s/<environment>/`, for Argo CD or Flux to apply. The door of this folder.
 */
export {
  inferenceServiceName,
  releaseAssetUrl,
  renderInferenceService,
  RENDERED_MARKER,
  type InferenceServiceInput,
  type ReleaseLocation,
  type RenderedInferenceService,
} from './inference-service.js'
export { kubernetesManifestDir, renderKubernetes, type RenderKubernetesOptions, type RenderKubernetesResult, type SkippedModel } from './render.js'
