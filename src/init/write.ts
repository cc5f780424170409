/** Writes an init plan: new files are created exclusively, so a file that appeared since planning is never clobbered. */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { InitPlan } from './plan.js'

/** Writes every file the plan does not keep; returns the paths written. */
export async function writePlan(root: string, plan: InitPlan): Promise<string[]> {
  const written: string[] = []
  for (const file of plan.files) {
    if (file.state === 'kept') continue
    const path = join(root, file.path)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, file.content, { flag: file.state === 'new' ? 'wx' : 'w' })
    written.push(file.path)
  }
  return written
}
