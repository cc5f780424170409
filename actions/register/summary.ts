/**
 * The register action's job summary: what happened to which version, the release link, and every
 * asset with its size and SHA-256 (what `sha256sum -c SHA256SUMS` checks after a download).
 */
import { markdownTable } from '../../src/action/summary.js'
import type { AssetFacts } from '../../src/registry/release-facts.js'

/** What the summary tells. */
export interface RegisterSummaryInput {
  status: 'registered' | 'completed' | 'unchanged'
  tag: string
  commit: string
  /** Where the backend keeps it, e.g. `GitHub acme/models`. */
  registry: string
  releaseUrl: string
  /** Where the bump came from, e.g. `label release:minor`; undefined when unchanged. */
  bump: string | undefined
  assets: readonly AssetFacts[]
}

/** Markdown for the job summary. */
export function renderRegisterSummary(input: RegisterSummaryInput): string {
  const heading = {
    registered: `## Modelship register: 📦 ${input.tag} registered`,
    completed: `## Modelship register: 📦 ${input.tag} registered (an earlier run's registration finished)`,
    unchanged: `## Modelship register: ${input.tag} was already registered at this commit; nothing changed`,
  }[input.status]
  const lines = [heading, '']
  const release = input.releaseUrl.startsWith('file:') ? `\`${input.releaseUrl}\`` : `[${input.tag}](${input.releaseUrl})`
  lines.push(`Commit \`${input.commit.slice(0, 7)}\` · release ${release} in ${input.registry}${input.bump ? ` · ${input.bump}` : ''}`, '')
  if (input.assets.length > 0) {
    lines.push(markdownTable(['Asset', 'Bytes', 'SHA-256'], input.assets.map((a) => [`\`${a.name}\``, a.size.toLocaleString('en-US'), `\`${a.sha256}\``])))
    lines.push('Verify a download with `sha256sum -c SHA256SUMS`.', '')
  }
  return lines.join('\n')
}
