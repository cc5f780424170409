/**
 * Checks that the files a model spec names are in the repository: data (relative to the
 * repository root), the working directory (relative to the root; default the spec's folder), and
 * the requirements file and training script (relative to the working directory).
 */
import { stat } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { relativePathProblem } from './fields.js'
import type { CheckFinding } from './model-checks.js'
import { listAt, objectAt, stringAt } from './raw.js'

const SCRIPT = /\.(py|js|mjs|cjs|ts|sh|r|jl|ipynb)$/i

async function kindOf(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    const info = await stat(path)
    return info.isDirectory() ? 'directory' : 'file'
  } catch {
    return undefined
  }
}

/** Repository-relative folder of a spec file (`models/churn/model.yaml` → `models/churn`). */
export function specFolder(file: string): string {
  return posix.dirname(file)
}

/** Every file the spec names that is not where it says. `file` is repository-relative. */
export async function checkModelFiles(root: string, file: string, spec: Record<string, unknown>): Promise<CheckFinding[]> {
  const folder = specFolder(file)
  const findings: CheckFinding[] = []
  const checks: Array<Promise<void>> = []
  const usable = (path: string | undefined): path is string => path !== undefined && path !== '' && !relativePathProblem(path)

  const data = objectAt(spec, 'data')
  for (const key of ['train', 'test'] as const) {
    const path = stringAt(data, key)
    if (!usable(path)) continue
    checks.push(
      (async () => {
        if (await kindOf(join(root, path))) return
        const nearby = posix.join(folder, path)
        const hint = (await kindOf(join(root, nearby)))
          ? `; paths are relative to the repository root: did you mean '${nearby}'?`
          : '; commit the file or fix the path (relative to the repository root)'
        findings.push({ path: ['data', key], message: `'${path}' does not exist${hint}` })
      })(),
    )
  }

  const train = objectAt(spec, 'train')
  const declaredDirectory = stringAt(train, 'working-directory')
  const directory = declaredDirectory ?? folder
  const directoryChecked = (async () => {
    if (declaredDirectory !== undefined && !usable(declaredDirectory)) return false
    const kind = await kindOf(join(root, directory))
    if (kind === 'directory') return true
    findings.push({
      path: ['train', 'working-directory'],
      message:
        kind === 'file'
          ? `'${directory}' is a file; expected the folder the command runs in, relative to the repository root`
          : `'${directory}' does not exist; expected the folder the command runs in, relative to the repository root, e.g. '${folder}'`,
    })
    return false
  })()

  checks.push(
    (async () => {
      if (!(await directoryChecked)) return
      const where = `${directory} (the working directory)`
      const requirements = stringAt(objectAt(train, 'environment'), 'requirements')
      const pending: Array<Promise<void>> = []
      if (usable(requirements)) {
        pending.push(
          (async () => {
            if ((await kindOf(join(root, directory, requirements))) === 'file') return
            const fromRoot = (await kindOf(join(root, requirements))) === 'file' && directory !== '.'
            const hint = fromRoot
              ? `; it is relative to the working directory, and '${requirements}' is at the repository root: write '${posix.relative(directory, requirements)}'`
              : '; commit it or fix the path'
            findings.push({ path: ['train', 'environment', 'requirements'], message: `'${requirements}' does not exist in ${where}${hint}` })
          })(),
        )
      }
      ;(listAt(train, 'command') ?? []).forEach((argument, index) => {
        if (typeof argument !== 'string' || argument.startsWith('-') || argument.includes('${') || !usable(argument)) return
        if (!SCRIPT.test(argument) && !(index === 0 && argument.startsWith('./'))) return
        pending.push(
          (async () => {
            if (await kindOf(join(root, directory, argument))) return
            findings.push({
              path: ['train', 'command', index],
              message: `'${argument}' does not exist in ${where}; commit the script or fix the path (relative to the working directory)`,
            })
          })(),
        )
      })
      await Promise.all(pending)
    })(),
  )

  const current = objectAt(objectAt(spec, 'monitor'), 'current')
  const dataset = stringAt(current, 'source') === 'dataset' ? stringAt(current, 'path') : undefined
  if (usable(dataset)) {
    checks.push(
      (async () => {
        if (await kindOf(join(root, dataset))) return
        findings.push({
          path: ['monitor', 'current', 'path'],
          severity: 'warning',
          message: `'${dataset}' does not exist yet; the scheduled drift check fails unless it is there when it runs`,
        })
      })(),
    )
  }
  await Promise.all(checks)
  return findings
}
