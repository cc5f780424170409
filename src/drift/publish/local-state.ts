/**
 * Publishing a drift check with the local backend (`modelship drift --publish`, or actions/drift
 * under act with no token): the same plan as on GitHub, written as files in the repository's state
 * folder `.modelship/drift/<model>/`: `state.json` (the drift state), `issue.md` (what the issue
 * would say, with `open` or `closed` on its first line) and, for a retraining that would be
 * dispatched, a line in `dispatches.jsonl`; nothing is sent anywhere.
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { DataError } from '../../errors.js'
import { writeFileAtomic } from '../../fs/atomic-file.js'
import type { DriftReport } from '../drift-report.js'
import { checkDriftState, type DecodedState } from './drift-state.js'
import { planPublication, recordDispatch, type PublicationPlan, type PublishPolicy } from './plan-publication.js'

/** The folder of a model's local drift state. */
export function localDriftDir(root: string, model: string): string {
  return join(root, '.modelship', 'drift', model.replaceAll(':', '/'))
}

/** What the local publication did. */
export interface LocalPublishResult {
  plan: PublicationPlan
  dir: string
  /** The dispatch that GitHub would get: workflow file and inputs. */
  dispatch: { workflow: string; inputs: { operation: 'retrain'; model: string; reason: string } } | null
}

/** Publishes one check into `root`'s state folder. */
export async function publishDriftLocally(options: { root: string; report: DriftReport; policy: PublishPolicy; retrainWorkflow: string; now?: number }): Promise<LocalPublishResult> {
  const now = options.now ?? Date.now()
  const { report } = options
  const dir = localDriftDir(options.root, report.model)
  const file = join(dir, 'state.json')
  let plan = planPublication(report, await readLocalState(file, report.model), options.policy, now, file)
  let dispatch: LocalPublishResult['dispatch'] = null
  if (plan.retrain !== null) {
    dispatch = { workflow: options.retrainWorkflow, inputs: { operation: 'retrain', model: report.model, reason: plan.retrain } }
    plan = { ...plan, state: recordDispatch(plan.state, plan.retrain, now) }
  }
  await mkdir(dir, { recursive: true })
  // The state (and its budget) first: if the rest fails, the privacy loss is still counted.
  await writeFileAtomic(file, `${JSON.stringify(plan.state, null, 2)}\n`)
  await writeFileAtomic(join(dir, 'issue.md'), `${plan.open ? 'open' : 'closed'}\n\n${plan.markdown}`)
  if (dispatch) await appendFile(join(dir, 'dispatches.jsonl'), `${JSON.stringify({ at: new Date(now).toISOString(), ...dispatch })}\n`)
  return { plan, dir, dispatch }
}

async function readLocalState(file: string, model: string): Promise<DecodedState> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return { kind: 'none' }
    throw new DataError(`${file}: could not read the drift state (${code ?? (error as Error).message})`)
  }
  try {
    return checkDriftState(JSON.parse(text), model)
  } catch (error) {
    return { kind: 'untrusted', problem: `not JSON (${(error as Error).message})` }
  }
}
