/**
 * `evaluate.on-fail: sweep`: a candidate that fails its gates makes a sweep due, at most once per
 * commit. The bound is a marker file per model and commit (`.modelship/sweeps/<model>/requested/<sha>`),
 * created exclusively, so a second failed evaluation of the same commit does not ask again; a new
 * commit asks afresh. Nothing here trains: the caller says what to run, or outputs it.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { ModelSpec } from '../spec/index.js'
import { sweepDir } from './run-sweep.js'

/** Whether a sweep is due after an evaluation, and the sentence that says so. */
export interface SweepRequest {
  due: boolean
  message: string
}

/**
 * Decides after an evaluation: undefined when on-fail is not sweep or the candidate passed; else
 * `due` (the marker was made now) or not (this commit already asked). `commit` null (not a git
 * repository) asks every time, since there is no commit to bound by.
 */
export async function requestSweep(repoRoot: string, spec: Pick<ModelSpec, 'name' | 'evaluate'>, passed: boolean, commit: string | null): Promise<SweepRequest | undefined> {
  if (passed || spec.evaluate.onFail !== 'sweep') return undefined
  const command = `modelship sweep ${spec.name}`
  if (commit === null) return { due: true, message: `evaluate.on-fail is sweep: the candidate failed its gates, so a sweep is due: ${command}` }
  const dir = join(resolve(repoRoot), sweepDir(spec.name), 'requested')
  await mkdir(dir, { recursive: true })
  try {
    await writeFile(join(dir, commit), `${new Date().toISOString()}\n`, { flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return { due: false, message: `evaluate.on-fail is sweep: a sweep was already requested for commit ${commit.slice(0, 7)}; not again (at most once per commit)` }
  }
  return { due: true, message: `evaluate.on-fail is sweep: the candidate failed its gates at commit ${commit.slice(0, 7)}, so a sweep is due: ${command}` }
}
