/**
 * What a scheduled drift check must read back on its next run: the per-feature scores of the last
 * checks (the trend), the privacy ledger, and the last retraining dispatch (the cooldown).
 *
 * On GitHub it is hidden data in the body of the model's drift issue: one HTML comment
 * `<!-- modelship-drift-state BASE64 -->` holding base64 JSON, at most STATE_MAX_CHARS characters
 * (the oldest checks are dropped to fit). Locally it is `.modelship/drift/<model>/state.json`.
 * Anyone with write access can edit an issue body, so the state is schema-checked on read; one
 * that does not parse is reported and not trusted (decodeDriftState says why).
 */
import * as z from 'zod/mini'
import '../../zod-english.js'
import { PrivacyLedgerSchema, EMPTY_LEDGER } from '../privacy/budget.js'

/** Checks kept for the trend charts. */
export const HISTORY_LIMIT = 30

/** Longest hidden state, in characters of base64 (an issue body holds 65,536). */
export const STATE_MAX_CHARS = 24_000

const STATE_PREFIX = '<!-- modelship-drift-state '

const HistoryEntrySchema = z.object({ checkedAt: z.string(), scores: z.record(z.string(), z.nullable(z.number())) })

/** The drift state of one model. */
export const DriftStateSchema = z.object({
  format: z.literal(1),
  model: z.string(),
  history: z.array(HistoryEntrySchema).check(z.maxLength(HISTORY_LIMIT)),
  privacy: PrivacyLedgerSchema,
  retrain: z.object({
    /** ISO time of the last dispatch that GitHub accepted (or, locally, that was recorded). */
    lastDispatchedAt: z.nullable(z.string()),
    reason: z.nullable(z.string()),
  }),
})

/** The drift state of one model. */
export type DriftState = z.output<typeof DriftStateSchema>

/** The state of a model never checked. */
export function emptyDriftState(model: string): DriftState {
  return { format: 1, model, history: [], privacy: EMPTY_LEDGER, retrain: { lastDispatchedAt: null, reason: null } }
}

/** What was found in an issue body or a state file. */
export type DecodedState = { kind: 'none' } | { kind: 'state'; state: DriftState } | { kind: 'untrusted'; problem: string }

/** Checks parsed JSON as the state of `model`. */
export function checkDriftState(json: unknown, model: string): DecodedState {
  const parsed = DriftStateSchema.safeParse(json)
  if (!parsed.success) {
    const first = parsed.error.issues[0]!
    return { kind: 'untrusted', problem: `not a drift state: ${first.path.join('.') || '(root)'}: ${first.message}` }
  }
  if (parsed.data.model !== model) return { kind: 'untrusted', problem: `it is the state of model '${parsed.data.model}', not '${model}'` }
  return { kind: 'state', state: parsed.data }
}

/** The hidden state in an issue body, if any. */
export function decodeDriftState(body: string, model: string): DecodedState {
  const start = body.indexOf(STATE_PREFIX)
  if (start === -1) return { kind: 'none' }
  const end = body.indexOf(' -->', start)
  const data = body.slice(start + STATE_PREFIX.length, end === -1 ? undefined : end)
  if (end === -1 || data.length > STATE_MAX_CHARS || !/^[A-Za-z0-9+/]*={0,2}$/.test(data)) {
    return { kind: 'untrusted', problem: `the hidden drift state is cut, longer than ${STATE_MAX_CHARS} characters, or not base64` }
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'))
  } catch (error) {
    return { kind: 'untrusted', problem: `the hidden drift state is not JSON (${(error as Error).message})` }
  }
  return checkDriftState(json, model)
}

/** The hidden HTML comment for `state`, dropping the oldest checks until it fits STATE_MAX_CHARS. */
export function encodeDriftState(state: DriftState): string {
  let kept = { ...state, history: state.history.slice(-HISTORY_LIMIT) }
  for (;;) {
    const data = Buffer.from(JSON.stringify(DriftStateSchema.parse(kept)), 'utf8').toString('base64')
    if (data.length <= STATE_MAX_CHARS || kept.history.length === 0) {
      if (data.length > STATE_MAX_CHARS) throw new Error(`encodeDriftState: the state of ${state.model} does not fit ${STATE_MAX_CHARS} characters even without history`)
      return `${STATE_PREFIX}${data} -->`
    }
    kept = { ...kept, history: kept.history.slice(1) }
  }
}
