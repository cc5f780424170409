/**
 * The version bump a pull request asks for with a label: `release:major`, `release:minor` or
 * `release:patch` (the largest wins). Read from a `pull_request` event's payload, or, for the push
 * that merged a pull request, from that pull request's labels: its number is in the merge commit's
 * subject, as GitHub writes it (`Merge pull request #12 from ...`, or `Title (#12)` when squashed).
 */
import type { VersionBump } from '../../src/registry/semver.js'

const ORDER: readonly VersionBump[] = ['patch', 'minor', 'major']

/** The largest `release:<bump>` among `labels`, or undefined when none is there. */
export function bumpFromLabels(labels: readonly string[]): VersionBump | undefined {
  let found: VersionBump | undefined
  for (const label of labels) {
    const bump = /^release:\s*(patch|minor|major)$/i.exec(label.trim())?.[1]?.toLowerCase() as VersionBump | undefined
    if (bump && (found === undefined || ORDER.indexOf(bump) > ORDER.indexOf(found))) found = bump
  }
  return found
}

/** Label names of a `pull_request` payload; undefined when the event carries no pull request. */
export function pullRequestLabels(payload: unknown): string[] | undefined {
  const pull = (payload as { pull_request?: { labels?: unknown } } | null)?.pull_request
  if (!pull || !Array.isArray(pull.labels)) return undefined
  return pull.labels.map((label: unknown) => (label as { name?: unknown }).name).filter((name): name is string => typeof name === 'string')
}

/** The number of the pull request a push merged, from its head commit's subject; undefined otherwise. */
export function mergedPullRequest(payload: unknown): number | undefined {
  const message = (payload as { head_commit?: { message?: unknown } } | null)?.head_commit?.message
  if (typeof message !== 'string') return undefined
  const subject = message.split('\n')[0]!
  const match = /^Merge pull request #(\d+) /.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject)
  return match ? Number(match[1]) : undefined
}
