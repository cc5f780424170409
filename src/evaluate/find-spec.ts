/** Finding and loading a model's spec by name: `models/<name>/model.yaml` (`dir:name` → `models/dir/name/`). */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { findModelFiles } from '../spec/discover.js'
import { expectedModelName, loadModelSpec } from '../spec/index.js'
import type { ModelSpec } from '../spec/model-schema.js'
import { suggest } from '../spec/did-you-mean.js'

/** Loads the spec of model `name` under `root`; a UsageError lists the models there when there is none. */
export async function findModelSpec(root: string, name: string): Promise<{ file: string; spec: ModelSpec }> {
  const folder = `models/${name.replace(':', '/')}`
  for (const file of [`${folder}/model.yaml`, `${folder}/model.yml`]) {
    const found = await stat(join(root, file)).then((info) => info.isFile(), () => false)
    if (found) return { file, spec: await loadModelSpec(root, file) }
  }
  const known = (await findModelFiles(root)).map(expectedModelName).sort()
  const near = suggest(name, known)
  throw new UsageError(
    `model '${name}' has no spec: ${folder}/model.yaml does not exist under ${root}` +
      (near ? `; did you mean '${near}'?` : '') +
      (known.length > 0 ? ` Models there: ${known.join(', ')}.` : ' No model specs were found there; check the path (the repository root holding models/).'),
  )
}
