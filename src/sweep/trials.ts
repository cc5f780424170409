/**
 * From `train.sweep` to the list of trials, in a deterministic order: the variants are
 * train.command ('train') then each candidate in spec order; a grid is every combination of the
 * searched values (first param varying slowest) for each variant, the first `budget` of them; a
 * random search draws `budget` trials from the seeded stream, variants in turn, skipping repeats.
 */
import type { ModelSpec, SweepSpec } from '../spec/index.js'
import { seededRandom } from './random.js'

type ParamValue = string | number | boolean

/** One trial: which command and which params it trains with. */
export interface SweepTrial {
  /** `t01`, `t02` …: the trial's folder and its row in the leaderboard. */
  id: string
  /** 'train' for train.command, else the candidate's name. */
  candidate: string
  command: readonly string[]
  /** Params set over train.params (the candidate's own, then the searched ones), as `--param` would. */
  overrides: Record<string, ParamValue>
  /** Every param the trial trains with. */
  params: Record<string, unknown>
  /** Whether train.mitigation's weights are used (a candidate may turn them off to compare). */
  mitigated: boolean
}

/** What {@link expandTrials} made, and how many the budget left out. */
export interface ExpandedTrials {
  trials: SweepTrial[]
  /** Grid combinations beyond the budget, not run. */
  leftOut: number
}

/** The variant name of train.command in the leaderboard. */
export const TRAIN_VARIANT = 'train'

/** Expands a spec's sweep into trials; see the module comment for the order. */
export function expandTrials(spec: Pick<ModelSpec, 'train'>, sweep: SweepSpec): ExpandedTrials {
  const variants = [
    { name: TRAIN_VARIANT, command: spec.train.command, params: {} as Record<string, ParamValue>, mitigation: true },
    ...sweep.candidates.map((candidate) => ({ name: candidate.name, command: candidate.command, params: candidate.params, mitigation: candidate.mitigation })),
  ]
  const names = Object.keys(sweep.params)
  const picks: { variant: number; values: Record<string, ParamValue> }[] = []
  let leftOut = 0
  if (sweep.strategy === 'grid') {
    const combos = names.reduce<Record<string, ParamValue>[]>(
      (partial, name) => {
        const values = sweep.params[name]
        // The spec check refuses ranges in a grid; this keeps the type honest.
        if (!Array.isArray(values)) throw new Error(`train.sweep.params.${name}: a grid needs a list of values`)
        return partial.flatMap((combo) => values.map((value) => ({ ...combo, [name]: value })))
      },
      [{}],
    )
    variants.forEach((_, variant) => combos.forEach((values) => picks.push({ variant, values })))
    leftOut = Math.max(0, picks.length - sweep.budget)
    picks.length = Math.min(picks.length, sweep.budget)
  } else {
    const random = seededRandom(sweep.seed)
    const seen = new Set<string>()
    // Lists alone make a finite space; give up after many repeats rather than loop forever.
    for (let attempt = 0; picks.length < sweep.budget && attempt < sweep.budget * 50; attempt++) {
      const variant = picks.length % variants.length
      const values: Record<string, ParamValue> = {}
      for (const name of names) values[name] = draw(sweep.params[name]!, random)
      const key = JSON.stringify([variant, values])
      if (seen.has(key)) continue
      seen.add(key)
      picks.push({ variant, values })
    }
  }
  const width = Math.max(2, String(picks.length).length)
  const trials = picks.map(({ variant, values }, index) => {
    const chosen = variants[variant]!
    const overrides = { ...chosen.params, ...values }
    return {
      id: `t${String(index + 1).padStart(width, '0')}`,
      candidate: chosen.name,
      command: chosen.command,
      overrides,
      params: { ...spec.train.params, ...overrides },
      mitigated: spec.train.mitigation !== undefined && chosen.mitigation,
    }
  })
  return { trials, leftOut }
}

type SearchedParam = SweepSpec['params'][string]

function draw(param: SearchedParam, random: () => number): ParamValue {
  if (Array.isArray(param)) return param[Math.min(param.length - 1, Math.floor(random() * param.length))]!
  const { min, max, distribution } = param
  const r = random()
  if (distribution === 'int-uniform') return Math.min(max, min + Math.floor(r * (max - min + 1)))
  const value = distribution === 'log-uniform' ? Math.exp(Math.log(min) + r * (Math.log(max) - Math.log(min))) : min + r * (max - min)
  // Six significant digits: a reader compares 0.0316228, not 0.031622776601683794.
  return Number(value.toPrecision(6))
}
