/** Finding and loading a model's spec by name: `models/<name>/model.yaml` (`dir:name` → `models/dir/name/`). */
import { join, resolve } from 'node:path'
import { UsageError } from '../errors.js'
import { isFile } from '../fs/file-kind.js'
import { listNames, suggest } from '../spec/did-you-mean.js'
import { findModelFiles } from '../spec/discover.js'
import { expectedModelName, loadModelSpec } from '../spec/index.js'
import type { ModelSpec } from '../spec/model-schema.js'

/**
 * The spec file of model `name` under `root`, repository-relative: `models/<name>/model.yaml` (or
 * `.yml`). A UsageError naming the closest model and listing those there when there is none.
 */
export async function findModelSpecFile(root: string, name: string): Promise<string> {
  const folder = `models/${name.replace(':', '/')}`
  for (const file of [`${folder}/model.yaml`, `${folder}/model.yml`]) {
    if (await isFile(join(root, file))) return file
  }
  const known = (await findModelFiles(resolve(root))).map(expectedModelName).sort()
  const near = suggest(name, known)
  throw new UsageError(
    `model '${name}' has no spec: ${folder}/model.yaml does not exist in ${resolve(root)}` +
      (near !== undefined ? `; did you mean '${near}'?` : '.') +
      (known.length > 0
        ? ` Models there: ${listNames(known)}.`
        : ' No model specs were found there; pass the repository root that holds models/ (--path, or the path input).'),
  )
}

/** Finds (see {@link findModelSpecFile}) and loads the spec of model `name` under `root`. */
export async function findModelSpec(root: string, name: string): Promise<{ file: string; spec: ModelSpec }> {
  const file = await findModelSpecFile(root, name)
  return { file, spec: await loadModelSpec(root, file) }
}
