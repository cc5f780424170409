/**
 * Rules of an environment file beyond its shape: its name matches the file, each model has a spec
 * in the repository, a version appears once, and the versions of each model share 100% of its traffic.
 */
import { posix } from 'node:path'
import { didYouMean, listNames } from './did-you-mean.js'
import type { CheckFinding } from './model-checks.js'
import { listAt, stringAt } from './raw.js'

/** The environment name a file must carry: its base name (`deploy/production.yaml` → `production`). */
export function expectedEnvironmentName(file: string): string {
  return posix.basename(file).replace(/\.ya?ml$/i, '')
}

function formatShare(value: number): string {
  return String(Math.round(value * 1000) / 1000)
}

/** Runs the environment rules over raw data; `models` are the model names that have a spec. */
export function checkEnvironmentSpec(spec: Record<string, unknown>, file: string, models: ReadonlySet<string>): CheckFinding[] {
  const findings: CheckFinding[] = []
  const name = stringAt(spec, 'name')
  const expected = expectedEnvironmentName(file)
  if (name !== undefined && name !== expected) {
    findings.push({ path: ['name'], message: `'${name}' does not match the file name ${posix.basename(file)}; set name: ${expected} or rename the file to ${name}.yaml` })
  }
  const seen = new Set<string>()
  const shares = new Map<string, Array<{ index: number; version: string; traffic: number | undefined }>>()
  ;(listAt(spec, 'models') ?? []).forEach((entry, index) => {
    const model = stringAt(entry, 'model')
    if (model === undefined) return
    if (!models.has(model)) {
      const known = [...models].sort()
      findings.push({
        path: ['models', index, 'model'],
        message: `'${model}' has no spec in this repository${didYouMean(model, known) || (known.length ? `; expected one of: ${listNames(known)}` : '; add models/<name>/model.yaml first')}`,
      })
    }
    const raw = (entry as Record<string, unknown>).traffic
    const traffic = raw === undefined ? 100 : typeof raw === 'number' ? raw : undefined
    const version = stringAt(entry, 'version') ?? ''
    const normalized = version.startsWith('v') ? version : `v${version}`
    const id = `${model}@${normalized}`
    if (version && seen.has(id)) {
      findings.push({ path: ['models', index, 'version'], message: `${model} ${normalized} is listed twice; keep one entry per version` })
    }
    seen.add(id)
    const list = shares.get(model) ?? []
    list.push({ index, version: normalized, traffic })
    shares.set(model, list)
  })
  for (const [model, entries] of shares) {
    if (entries.some((entry) => entry.traffic === undefined)) continue
    const total = entries.reduce((sum, entry) => sum + entry.traffic!, 0)
    if (Math.abs(total - 100) < 1e-9) continue
    const last = entries.at(-1)!
    const parts = entries.map((entry) => `${entry.version}: ${formatShare(entry.traffic!)}`).join(', ')
    findings.push({
      path: ['models', last.index, 'traffic'],
      message: `traffic of ${model} adds up to ${formatShare(total)} (${parts}); the versions of a model share 100: adjust the shares`,
    })
  }
  return findings
}
