/**
 * GTO's `artifacts.yaml` annotations (`gto annotate`): per model a type, a path, a description and
 * labels, kept in the repository beside the code. `show` prints them for the version's commit, so
 * what a GTO user wrote there is not lost when they read the registry with Modelship. A monorepo
 * model `dir:churn` is annotated in `dir/artifacts.yaml` under `churn`, as GTO does.
 */
import { parse } from 'yaml'
import { git, GitCommandError } from '../git/command.js'
import type { ModelName } from './tags.js'

/** What `artifacts.yaml` says about one model; every field optional. */
export interface ArtifactAnnotation {
  type?: string
  path?: string
  description?: string
  labels?: string[]
  /** The file it came from, relative to the repository root. */
  file: string
}

/**
 * The model's annotation in `artifacts.yaml` at `commit` of the repository in `repoDir`; undefined
 * when the file or the model's entry is absent. Throws with the reason when the file cannot be read
 * or parsed (the caller decides whether that is worth more than a warning).
 */
export async function readArtifactAnnotation(repoDir: string, commit: string, model: ModelName): Promise<ArtifactAnnotation | undefined> {
  const file = model.dir === undefined ? 'artifacts.yaml' : `${model.dir.replace(/\/+$/, '')}/artifacts.yaml`
  let text: string
  try {
    text = await git(['show', `${commit}:${file}`], { cwd: repoDir })
  } catch (error) {
    // git's words for "no such path at that commit", or for a checkout that lacks the commit (or is
    // none: the GitHub backend run from elsewhere); any other failure is reported as it is.
    const absent = /does not exist in|exists on disk, but not in|not a git repository|invalid object name|bad object|unknown revision/i
    if (error instanceof GitCommandError && absent.test(error.stderr)) return undefined
    throw error
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (error) {
    throw new Error(`${file} at ${commit.slice(0, 7)} is not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  const entry = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>)[model.base] : undefined
  if (typeof entry !== 'object' || entry === null) return undefined
  const e = entry as Record<string, unknown>
  const text_ = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v : undefined)
  const labels = Array.isArray(e.labels) ? e.labels.filter((l): l is string => typeof l === 'string') : undefined
  return {
    file,
    ...(text_(e.type) ? { type: text_(e.type) } : {}),
    ...(text_(e.path) ? { path: text_(e.path) } : {}),
    ...(text_(e.description) ? { description: text_(e.description) } : {}),
    ...(labels && labels.length > 0 ? { labels } : {}),
  }
}
