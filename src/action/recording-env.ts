/**
 * An `ActionEnv` that records what an action did instead of talking to a runner, for testing
 * `run(env)` in-process. It applies the same rules as the real one: empty inputs are unset, at most
 * 10 annotations of a level are "shown", the summary is cut at 1 MiB.
 */
import { AnnotationBudget, type Annotation } from './annotations.js'
import type { ActionEnv } from './env.js'
import { fitSummary } from './summary.js'

/** What a recording environment saw. */
export interface ActionRecord {
  outputs: Record<string, string>
  /** Every annotation the action made, shown or not. */
  annotations: Annotation[]
  /** The annotations GitHub would show (the first 10 of each level). */
  shownAnnotations: Annotation[]
  summary: string
  log: string[]
  secrets: string[]
  failure?: string
}

/** Options for `createRecordingEnv`. */
export interface RecordingEnvOptions {
  /** Input values by name as written in action.yml; '' means not set, as on the runner. */
  inputs?: Record<string, string>
  /** GITHUB_WORKSPACE (default the current directory). */
  workspace?: string
  /** Other environment variables. */
  vars?: Record<string, string | undefined>
}

/** A recording `ActionEnv` plus the record it fills. */
export function createRecordingEnv(options: RecordingEnvOptions = {}): ActionEnv & { record: ActionRecord } {
  const record: ActionRecord = { outputs: {}, annotations: [], shownAnnotations: [], summary: '', log: [], secrets: [] }
  const budget = new AnnotationBudget()
  const inputs = options.inputs ?? {}
  let summaryFull = false
  return {
    record,
    workspace: options.workspace ?? process.cwd(),
    vars: { ...options.vars, GITHUB_WORKSPACE: options.workspace ?? process.cwd() },
    input(name) {
      const value = inputs[name]?.trim()
      return value ? value : undefined
    },
    setOutput(name, value) {
      record.outputs[name] = value
    },
    annotate(annotation) {
      record.annotations.push(annotation)
      const shown = budget.take(annotation.level)
      if (shown) record.shownAnnotations.push(annotation)
      return shown
    },
    async summary(markdown) {
      if (summaryFull) return
      const { text, cut } = fitSummary(Buffer.byteLength(record.summary, 'utf8'), markdown)
      if (cut) summaryFull = true
      record.summary += text
    },
    setSecret(value) {
      record.secrets.push(value)
    },
    info(message) {
      record.log.push(message)
    },
    debug() {},
    async group(name, fn) {
      record.log.push(`[group] ${name}`)
      return await fn()
    },
    setFailed(message) {
      record.failure = message
    },
    get failed() {
      return record.failure !== undefined
    },
  }
}
