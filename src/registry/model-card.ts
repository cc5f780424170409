/**
 * The model card (`model-card.md`) of a version, after Mitchell et al., "Model Cards for Model
 * Reporting": intended use, data, training, metrics, fairness, explanations, limitations. Built
 * from the spec, evaluation.json and run.json; any of them, or any section of them, may be
 * missing, and the card then says what is not known instead of failing.
 */
import type { EvaluationResult } from '../evaluate/evaluation-schema.js'
import { formatDuration } from '../format-duration.js'
import type { ModelSpec } from '../spec/model-schema.js'
import type { RunRecord } from '../train/run-record.js'

/** What a model card is made from; every part optional. */
export interface ModelCardInput {
  spec?: Partial<ModelSpec>
  evaluation?: EvaluationResult | null
  run?: RunRecord | null
  /** The version tag, e.g. `churn@v1.3.0`, when known. */
  version?: string
}

/** Renders the model card as GitHub-flavoured Markdown. */
export function renderModelCard(input: ModelCardInput): string {
  const { spec, evaluation, run } = input
  const name = spec?.name ?? evaluation?.model ?? run?.model ?? 'unnamed model'
  const out: string[] = [`# Model card: ${name}`, '']
  const facts: Array<[string, string | undefined]> = [
    ['Version', input.version],
    ['Task', spec?.task ?? evaluation?.task],
    ['Commit', run?.commit?.sha ?? evaluation?.training?.commit ?? undefined],
    ['Trained', run?.timing.endedAt],
    ['Training run', run?.workflowRunUrl ?? evaluation?.training?.workflowRunUrl ?? undefined],
  ]
  const known = facts.filter(([, value]) => value)
  for (const [label, value] of known) out.push(`- **${label}:** ${value}`)
  if (known.length > 0) out.push('')
  out.push('## Intended use', '')
  out.push(spec?.description ? spec.description : 'No description: add `description` to the model spec.')
  if (spec?.data) {
    out.push('', `Predicts \`${spec.data.target}\` from ${spec.data.features.length} feature${spec.data.features.length === 1 ? '' : 's'}.`)
  }

  out.push('', '## Data', '')
  if (spec?.data) {
    out.push(`- **Features:** ${spec.data.features.map((f) => `\`${f}\``).join(', ')}`)
    out.push(`- **Target:** \`${spec.data.target}\``)
    if (spec.data.sensitiveFeatures?.length) out.push(`- **Sensitive features** (kept out of the inputs, used for fairness): ${spec.data.sensitiveFeatures.map((f) => `\`${f}\``).join(', ')}`)
  }
  if (run?.data) {
    out.push(`- **Training data:** \`${run.data.train.path}\` (${run.data.train.bytes} bytes, sha256 \`${run.data.train.sha256}\`)`)
    out.push(`- **Test data:** \`${run.data.test.path}\` (${run.data.test.bytes} bytes, sha256 \`${run.data.test.sha256}\`)`)
  } else if (spec?.data) {
    out.push(`- **Training data:** \`${spec.data.train}\``, `- **Test data:** \`${spec.data.test}\``)
  }
  if (evaluation) out.push(`- **Evaluated on:** ${evaluation.data.test.rows} rows of \`${evaluation.data.test.path}\``)
  if (!spec?.data && !run && !evaluation) out.push('Not known: no spec, run record or evaluation was given.')

  out.push('', '## Training', '')
  if (run) {
    const params = Object.entries(run.params)
    out.push(`- **Command:** \`${run.command.join(' ')}\``)
    out.push(`- **Parameters:** ${params.length ? params.map(([k, v]) => `\`${k}=${JSON.stringify(v)}\``).join(', ') : 'none'}`)
    out.push(`- **Duration:** ${formatDuration(run.timing.durationMs)}${run.cache.hit ? ' (outputs restored from the cache)' : ''}`)
    if (run.environment.python) out.push(`- **Environment:** Python ${run.environment.python.version} on ${run.environment.platform}`)
    if (run.gpu?.devices.length) out.push(`- **GPU:** ${run.gpu.devices.map((d) => d.name).join(', ')}`)
  } else {
    out.push('Not known: no run record (run.json) was given.')
  }

  out.push('', '## Metrics', '')
  if (evaluation && evaluation.metrics.length > 0) {
    const champion = evaluation.champion?.version ?? (evaluation.champion ? 'champion' : undefined)
    out.push(champion ? `| metric | this version | ${cell(champion)} | change |` : '| metric | this version |')
    out.push(champion ? '| --- | ---: | ---: | ---: |' : '| --- | ---: |')
    for (const m of evaluation.metrics) {
      const arrow = m.greaterIsBetter ? '↑' : '↓'
      out.push(champion ? `| ${m.name} ${arrow} | ${num(m.candidate)} | ${num(m.champion)} | ${signed(m.delta)} |` : `| ${m.name} ${arrow} | ${num(m.candidate)} |`)
    }
    if (evaluation.gates.length > 0) {
      out.push('', `Gates: ${evaluation.verdict} (${evaluation.summary.passed} passed, ${evaluation.summary.failed} failed, ${evaluation.summary.skipped} skipped).`, '')
      out.push('| gate | required | value | result |', '| --- | ---: | ---: | --- |')
      for (const g of evaluation.gates) {
        const value = g.check === 'threshold' ? g.candidate : g.delta
        out.push(`| ${g.metric} ${g.check} | ${num(g.required)} | ${num(value)} | ${g.status} |`)
      }
    }
  } else {
    out.push('Not known: no evaluation (evaluation.json) was given.')
  }

  out.push('', '## Fairness', '')
  const fairness = evaluation?.fairness
  if (fairness && fairness.features.length > 0) {
    for (const f of fairness.features) {
      out.push(`### \`${f.feature}\``, '', '| group | rows | selection rate | true positive rate | false positive rate |', '| --- | ---: | ---: | ---: | ---: |')
      for (const g of f.groups) out.push(`| ${cell(g.group)} | ${g.count} | ${num(g.selectionRate)} | ${num(g.truePositiveRate)} | ${num(g.falsePositiveRate)} |`)
      out.push('', `Demographic parity difference ${num(f.metrics.demographic_parity_difference)}, equalized odds difference ${num(f.metrics.equalized_odds_difference)}.`, '')
    }
    const failed = fairness.gates.filter((g) => g.status === 'failed')
    out.push(failed.length ? `Fairness checks failed: ${failed.map((g) => `${g.metric} on ${g.feature} (${num(g.value)})`).join(', ')}.` : 'All fairness checks passed.')
  } else {
    out.push(evaluation ? 'Not evaluated: the spec has no `evaluate.fairness`.' : 'Not known: no evaluation was given.')
  }

  out.push('', '## Explanations', '')
  const ex = evaluation?.explanations
  if (ex && ex.global.length > 0) {
    const method = ex.method === 'permutation' ? 'permutation importance' : ex.method === 'exact' ? 'exact Shapley values' : 'KernelSHAP'
    out.push(`Most influential features (${method}${ex.outputs[0] ? `, output ${ex.outputs[0]}` : ''}):`, '', '| feature | importance |', '| --- | ---: |')
    for (const g of ex.global.slice(0, 10)) out.push(`| \`${g.feature}\` | ${num(g.importance[0] ?? null)} |`)
  } else {
    out.push(evaluation ? 'Not computed: explanations were turned off.' : 'Not known: no evaluation was given.')
  }

  out.push('', '## Limitations', '')
  const limits: string[] = []
  if (evaluation) limits.push(`Measured on ${evaluation.data.test.rows} held-out rows only; performance on data unlike them is not known.`)
  if (evaluation && !evaluation.passed) limits.push('This version failed at least one evaluation gate.')
  if (evaluation && !evaluation.fairness) limits.push('Fairness across groups was not evaluated.')
  if (spec && !spec.monitor) limits.push('No drift monitoring is configured (`monitor` in the spec).')
  // The spec can declare a schedule, but no scheduled drift check is built yet: claim only what runs.
  if (spec?.monitor) limits.push(`Drift is not monitored yet: the spec sets \`monitor\` (schedule \`${spec.monitor.schedule}\`), but Modelship does not run scheduled drift checks.`)
  if (run?.commit?.dirty) limits.push('Trained from a working tree with uncommitted changes: the commit does not fully describe it.')
  if (limits.length === 0) limits.push('Not known: no evaluation, spec or run record was given.')
  for (const line of limits) out.push(`- ${line}`)
  return out.join('\n') + '\n'
}

function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a'
  return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString()
}

function signed(value: number | null | undefined): string {
  const text = num(value)
  return value !== null && value !== undefined && value > 0 ? `+${text}` : text
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
