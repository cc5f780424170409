/**
 * What changed since the champion's training run: the params, data hashes and commit that differ,
 * in a short table, so a reviewer sees why the numbers moved. Needs both runs' facts (from run.json);
 * without the champion's, the section says so rather than imply nothing changed.
 */
import type { EvaluationResult, TrainingFacts } from '../evaluate/evaluation-schema.js'
import { MISSING, table } from './format.js'

/** Rows `[what, champion, candidate]` for each fact that differs, in a fixed order (params by name). */
export function changedFacts(champion: TrainingFacts, candidate: TrainingFacts): string[][] {
  const rows: string[][] = []
  const mine = candidate.params ?? {}
  const theirs = champion.params ?? {}
  for (const name of [...new Set([...Object.keys(theirs), ...Object.keys(mine)])].sort()) {
    const before = name in theirs ? shown(theirs[name]) : 'not set'
    const after = name in mine ? shown(mine[name]) : 'not set'
    if (before !== after) rows.push([`param \`${name}\``, before, after])
  }
  for (const part of ['train', 'test'] as const) {
    const before = champion.data?.[part]
    const after = candidate.data?.[part]
    if (before !== after) rows.push([`${part} data (sha256)`, short(before), short(after)])
  }
  if (champion.commit !== candidate.commit) rows.push(['code (commit)', short(champion.commit), short(candidate.commit)])
  return rows
}

/** The candidate's facts beside a champion whose run is not recorded: each row says so, none says "same". */
export function unrecordedFacts(candidate: TrainingFacts, note: string): string[][] {
  const params = candidate.params ?? {}
  return [
    ...Object.keys(params)
      .sort()
      .map((name) => [`param \`${name}\``, note, shown(params[name])]),
    ...(['train', 'test'] as const).map((part) => [`${part} data (sha256)`, note, short(candidate.data?.[part])]),
    ['code (commit)', note, short(candidate.commit)],
  ]
}

/** '### What changed' against the champion's run, or '' without a champion. */
export function whatChangedSection(evaluation: EvaluationResult): string {
  if (!evaluation.champion) return ''
  const candidate = evaluation.training
  const champion = evaluation.championTraining
  const version = evaluation.champion.version
  if (candidate && !champion && version) {
    // A registry champion whose release holds no readable run.json (registered before it was kept).
    const note = `not recorded for ${version}`
    return `### What changed\n\nThe champion ${version} has no readable training record (run.json) in its release, so what changed cannot be told; the candidate's facts:\n\n${table(['', 'champion', 'candidate'], unrecordedFacts(candidate, note))}`
  }
  if (!candidate || !champion) {
    const missing = !candidate && !champion ? 'either run' : !candidate ? "the candidate's run" : "the champion's run"
    return `### What changed\n\nNot known: no run.json of ${missing} was given, so params, data and code cannot be compared.`
  }
  const rows = changedFacts(champion, candidate)
  if (rows.length === 0) return `### What changed\n\nParams, data and code are the same as in the champion's run ${champion.runId}.`
  return `### What changed\n\nAgainst the champion's run ${champion.runId}:\n\n${table(['', 'champion', 'candidate'], rows)}`
}

function shown(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value)
}

/** A hash or commit cut to 12 characters, enough to tell two apart in a table. */
function short(value: string | null | undefined): string {
  return value ? value.slice(0, 12) : MISSING
}
