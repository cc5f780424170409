/**
 * Commit messages of desired-state changes. The git log of `deploy/<environment>.yaml` is the audit
 * trail, so each message says what changed and why in words, names the workflow run that made it,
 * and ends with trailers (`Modelship-Action: deploy` …) that `modelship status` and the reconciler read.
 */

/** What a message is built from. */
export interface ChangeMessage {
  /** First line, e.g. `deploy churn v1.3.0 to production at 10%`. */
  subject: string
  /** Lines of the body, e.g. each environment's new traffic. */
  details: readonly string[]
  reason?: string
  /** Trailers without the `Modelship-` prefix, in order: `{ Action: 'deploy', Environment: 'production' }`. */
  trailers: Readonly<Record<string, string>>
}

/** The URL of the workflow run in `env` (GITHUB_RUN_ID), or undefined off Actions. */
export function workflowRunUrl(env: NodeJS.ProcessEnv): string | undefined {
  const id = env.GITHUB_RUN_ID?.trim()
  if (!id) return undefined
  const repository = env.GITHUB_REPOSITORY?.trim()
  if (!repository) return `run ${id}`
  const server = (env.GITHUB_SERVER_URL?.trim() || 'https://github.com').replace(/\/+$/, '')
  const attempt = env.GITHUB_RUN_ATTEMPT?.trim()
  return `${server}/${repository}/actions/runs/${id}${attempt && attempt !== '1' ? `/attempts/${attempt}` : ''}`
}

/** One line: a reason never spans lines in a trailer block. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** The full commit message. */
export function renderChangeMessage(message: ChangeMessage, env: NodeJS.ProcessEnv): string {
  const lines = [message.subject, '', ...message.details]
  const reason = message.reason === undefined ? '' : oneLine(message.reason)
  if (reason) lines.push(`Reason: ${reason}`)
  const run = workflowRunUrl(env)
  if (run) lines.push(`Workflow run: ${run}`)
  lines.push('')
  for (const [key, value] of Object.entries(message.trailers)) lines.push(`Modelship-${key}: ${oneLine(value)}`)
  if (reason) lines.push(`Modelship-Reason: ${reason}`)
  if (run) lines.push(`Modelship-Run: ${run}`)
  return `${lines.join('\n')}\n`
}
