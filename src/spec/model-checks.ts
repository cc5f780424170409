/**
 * Rules of a model spec that tie its sections together: metrics valid for the task, gates on
 * declared metrics, the target and sensitive features kept out of the inputs, fairness that has
 * groups to compare, deploy order, and monitoring that points at something deployed. They read the
 * raw data defensively, so they run, and report, even when other parts of the file are malformed.
 */
import { FAIRNESS_METRICS, METRICS_BY_TASK, TASKS, metricNames, type Task } from '../metrics/catalog.js'
import { didYouMean, listNames, suggest } from './did-you-mean.js'
import { has, listAt, objectAt, stringAt, stringItems } from './raw.js'
import type { PathSegment } from './yaml-source.js'

/** A problem found by a check, located by key path. */
export interface CheckFinding {
  path: PathSegment[]
  message: string
  target?: 'key' | 'value'
  severity?: 'error' | 'warning'
}

/** Why `metric` is not a metric of `task`, or undefined when it is one. */
export function metricProblem(metric: string, task: Task): string | undefined {
  const names = metricNames(task)
  if (names.includes(metric)) return undefined
  if (metric in FAIRNESS_METRICS) return `'${metric}' is a fairness metric; list it under evaluate.fairness.metrics`
  const close = suggest(metric, names)
  if (close) return `'${metric}' is not a metric of ${task}; did you mean '${close}'?`
  const owner = TASKS.find((other) => other !== task && metric in METRICS_BY_TASK[other])
  const elsewhere = owner ? ` (it is a ${owner} metric)` : ''
  return `'${metric}' is not a metric of ${task}${elsewhere}; expected one of: ${listNames(names)}`
}

function checkData(data: Record<string, unknown> | undefined, findings: CheckFinding[]): void {
  if (!data) return
  const target = stringAt(data, 'target')
  const sensitive = new Set(stringItems(data, 'sensitive-features').map(([, name]) => name))
  const seenFeatures = new Map<string, number>()
  for (const [index, feature] of stringItems(data, 'features')) {
    const path = ['data', 'features', index]
    const first = seenFeatures.get(feature)
    if (first !== undefined) {
      findings.push({ path, message: `'${feature}' is listed twice in data.features (also at [${first}]); remove the duplicate` })
      continue
    }
    seenFeatures.set(feature, index)
    if (feature === target) {
      findings.push({ path, message: `'${feature}' is the target; the model predicts it, so it cannot be an input: remove it from data.features` })
    } else if (sensitive.has(feature)) {
      findings.push({
        path,
        message: `'${feature}' is a sensitive feature, kept out of the model's inputs; remove it from data.features (fairness reads it from the data files)`,
      })
    }
  }
  const seenSensitive = new Set<string>()
  for (const [index, name] of stringItems(data, 'sensitive-features')) {
    const path = ['data', 'sensitive-features', index]
    if (seenSensitive.has(name)) findings.push({ path, message: `'${name}' is listed twice in data.sensitive-features; remove the duplicate` })
    else if (name === target) findings.push({ path, message: `'${name}' is the target; a sensitive feature must be another column: remove it` })
    seenSensitive.add(name)
  }
  const weight = stringAt(data, 'sample-weight')
  if (weight !== undefined && weight === target) {
    findings.push({ path: ['data', 'sample-weight'], message: `'${weight}' is the target; weights come from another column: name the column of per-row weights` })
  }
  const train = stringAt(data, 'train')
  if (train !== undefined && train === stringAt(data, 'test')) {
    findings.push({
      path: ['data', 'test'],
      severity: 'warning',
      message: `'${train}' is also the training data; metrics on data the model was trained on overstate its quality: use a held-out file`,
    })
  }
}

function checkEvaluate(spec: Record<string, unknown>, task: Task | undefined, findings: CheckFinding[]): void {
  const evaluate = objectAt(spec, 'evaluate')
  if (!evaluate) return
  const declared = has(evaluate, 'metrics') ? stringItems(evaluate, 'metrics') : undefined
  if (task && declared) {
    const seen = new Set<string>()
    for (const [index, metric] of declared) {
      const path = ['evaluate', 'metrics', index]
      const problem = metricProblem(metric, task)
      if (problem) findings.push({ path, message: problem })
      else if (seen.has(metric)) findings.push({ path, message: `'${metric}' is listed twice in evaluate.metrics; remove the duplicate` })
      seen.add(metric)
    }
  }
  const declaredNames = declared?.map(([, name]) => name)
  ;(listAt(evaluate, 'gates') ?? []).forEach((gate, index) => {
    const metric = stringAt(gate, 'metric')
    if (metric === undefined || !task) return
    const path = ['evaluate', 'gates', index, 'metric']
    const problem = metricProblem(metric, task)
    if (problem) findings.push({ path, message: problem })
    else if (declaredNames && !declaredNames.includes(metric)) {
      findings.push({ path, message: `'${metric}' is not listed in evaluate.metrics; add it there or gate on one of: ${listNames(declaredNames)}` })
    }
  })
  if (task && task !== 'binary-classification' && has(evaluate, 'pos-label')) {
    findings.push({
      path: ['evaluate', 'pos-label'],
      target: 'key',
      message: `pos-label names the positive class of a binary classifier; task is ${task}: remove evaluate.pos-label`,
    })
  }
  checkFairness(spec, evaluate, task, findings)
}

function checkFairness(spec: Record<string, unknown>, evaluate: Record<string, unknown>, task: Task | undefined, findings: CheckFinding[]): void {
  const fairness = objectAt(evaluate, 'fairness')
  if (!fairness) return
  if (task === 'regression') {
    findings.push({
      path: ['evaluate', 'fairness'],
      target: 'key',
      message: 'fairness metrics compare selection and error rates of a classifier; task is regression: remove evaluate.fairness',
    })
    return
  }
  const declared = stringItems(objectAt(spec, 'data'), 'sensitive-features').map(([, name]) => name)
  if (has(fairness, 'sensitive-features')) {
    for (const [index, name] of stringItems(fairness, 'sensitive-features')) {
      if (declared.includes(name)) continue
      const hint = didYouMean(name, declared)
      findings.push({
        path: ['evaluate', 'fairness', 'sensitive-features', index],
        message: `'${name}' is not in data.sensitive-features${hint || `; add it there${declared.length ? ` or use one of: ${listNames(declared)}` : ''}`}`,
      })
    }
  } else if (declared.length === 0) {
    findings.push({
      path: ['evaluate', 'fairness'],
      target: 'key',
      message: 'fairness needs groups to compare; list the columns in data.sensitive-features, e.g. [gender]',
    })
  }
  const metrics = has(fairness, 'metrics') ? stringItems(fairness, 'metrics').map(([, name]) => name) : undefined
  if (metrics && has(fairness, 'max') && !metrics.some((name) => name.endsWith('_difference'))) {
    findings.push({ path: ['evaluate', 'fairness', 'max'], target: 'key', message: 'max bounds *_difference metrics and none is listed; add one to metrics or remove max' })
  }
  if (metrics && has(fairness, 'min') && !metrics.some((name) => name.endsWith('_ratio'))) {
    findings.push({ path: ['evaluate', 'fairness', 'min'], target: 'key', message: 'min bounds *_ratio metrics and none is listed; add one to metrics or remove min' })
  }
}

function checkDeploy(spec: Record<string, unknown>, findings: CheckFinding[]): string[] {
  const environments: string[] = []
  ;(listAt(spec, 'deploy') ?? []).forEach((target, index) => {
    const name = stringAt(target, 'environment')
    if (name !== undefined && environments.includes(name)) {
      findings.push({ path: ['deploy', index, 'environment'], message: `'${name}' is listed twice in deploy; each environment appears once` })
    }
    const requires = stringAt(target, 'requires')
    if (requires !== undefined) {
      const path = ['deploy', index, 'requires']
      const all = (listAt(spec, 'deploy') ?? []).map((other) => stringAt(other, 'environment'))
      if (requires === name) findings.push({ path, message: `'${requires}' requires itself; name an earlier environment or remove requires` })
      else if (!environments.includes(requires)) {
        const later = all.indexOf(requires)
        findings.push({
          path,
          message:
            later > index
              ? `'${requires}' comes after ${name ?? 'this environment'} in deploy; requires must name an earlier environment: move ${requires} above it`
              : `'${requires}' is not an earlier environment in deploy${environments.length ? didYouMean(requires, environments) || `; expected one of: ${listNames(environments)}` : '; it has none: remove requires'}`,
        })
      }
    }
    if (name !== undefined) environments.push(name)
  })
  return environments
}

function checkMonitor(spec: Record<string, unknown>, environments: string[], findings: CheckFinding[]): void {
  const monitor = objectAt(spec, 'monitor')
  if (!monitor) return
  const current = objectAt(monitor, 'current')
  const source = current ? stringAt(current, 'source') : has(monitor, 'current') ? undefined : 'endpoint-logs'
  if (source === 'endpoint-logs') {
    const environment = stringAt(current, 'environment')
    if (environment !== undefined && !environments.includes(environment)) {
      findings.push({
        path: ['monitor', 'current', 'environment'],
        message: `'${environment}' is not an environment in deploy${environments.length ? didYouMean(environment, environments) || `; expected one of: ${listNames(environments)}` : '; the model is deployed nowhere: add it to deploy or read a dataset (source: dataset)'}`,
      })
    } else if (environment === undefined && !has(current, 'environment') && (listAt(spec, 'deploy') ?? []).length === 0 && !(has(spec, 'deploy') && !listAt(spec, 'deploy'))) {
      findings.push({
        path: ['monitor', 'current'],
        target: 'key',
        message: 'endpoint logs need a deployed environment and deploy lists none; add deploy environments or use source: dataset with a path',
      })
    }
  }
  const features = stringItems(objectAt(spec, 'data'), 'features').map(([, name]) => name)
  const overrides = objectAt(objectAt(monitor, 'drift'), 'features')
  if (overrides && features.length > 0) {
    for (const name of Object.keys(overrides)) {
      if (features.includes(name)) continue
      findings.push({
        path: ['monitor', 'drift', 'features', name],
        target: 'key',
        message: `'${name}' is not in data.features${didYouMean(name, features) || `; expected one of: ${listNames(features)}`}`,
      })
    }
  }
}

/** The model name a spec at `file` must carry: its folder under models/ (`models/a/b/model.yaml` → `a:b`). */
export function expectedModelName(file: string): string {
  const parts = file.split('/').slice(0, -1)
  const underModels = parts[0] === 'models' && parts.length >= 2 ? parts.slice(1) : parts.slice(-1)
  const name = underModels.at(-1) ?? ''
  return underModels.length > 1 ? `${underModels.slice(0, -1).join('/')}:${name}` : name
}

/** Runs every cross-section rule over raw model data; `file` is repository-relative. */
function checkMitigation(spec: Record<string, unknown>, task: Task | undefined, findings: CheckFinding[]): void {
  const mitigation = objectAt(objectAt(spec, 'train'), 'mitigation')
  if (!mitigation) return
  if (task === 'regression') {
    findings.push({
      path: ['train', 'mitigation'],
      target: 'key',
      message: 'reweighing balances labels across groups and needs a classifier; task is regression: remove train.mitigation',
    })
    return
  }
  const declared = stringItems(objectAt(spec, 'data'), 'sensitive-features').map(([, name]) => name)
  for (const [index, name] of stringItems(mitigation, 'sensitive-features')) {
    if (declared.includes(name)) continue
    const hint = didYouMean(name, declared)
    findings.push({
      path: ['train', 'mitigation', 'sensitive-features', index],
      message: `'${name}' is not in data.sensitive-features${hint || `; add it there${declared.length ? ` or use one of: ${listNames(declared)}` : ''}`}`,
    })
  }
}

/**
 * `train.sweep` against the rest of the spec: the selection metric is a computed metric, searched
 * params exist in train.params (a typo would sweep nothing), ranges only under random search,
 * candidate names unique; and `evaluate.on-fail: sweep` has a sweep to start.
 */
function checkSweep(spec: Record<string, unknown>, task: Task | undefined, findings: CheckFinding[]): void {
  const train = objectAt(spec, 'train')
  const sweep = objectAt(train, 'sweep')
  const evaluate = objectAt(spec, 'evaluate')
  if (stringAt(evaluate, 'on-fail') === 'sweep' && !sweep) {
    findings.push({
      path: ['evaluate', 'on-fail'],
      message: "'sweep' starts the search in train.sweep and the spec has none; add train.sweep (params or candidates, and a metric) or set on-fail: fail",
    })
  }
  if (!sweep) return
  const metric = stringAt(sweep, 'metric')
  if (metric !== undefined && task) {
    const declared = has(evaluate, 'metrics') ? stringItems(evaluate, 'metrics').map(([, name]) => name) : undefined
    const problem = metricProblem(metric, task)
    if (problem) findings.push({ path: ['train', 'sweep', 'metric'], message: problem })
    else if (declared && !declared.includes(metric)) {
      findings.push({
        path: ['train', 'sweep', 'metric'],
        message: `'${metric}' is not listed in evaluate.metrics; add it there or select by one of: ${listNames(declared)}`,
      })
    }
  }
  const declaredParams = Object.keys(objectAt(train, 'params') ?? {})
  const searched = objectAt(sweep, 'params') ?? {}
  const candidates = listAt(sweep, 'candidates') ?? []
  const candidateParams = new Set(candidates.flatMap((candidate) => Object.keys(objectAt(candidate, 'params') ?? {})))
  const random = stringAt(sweep, 'strategy') === 'random'
  for (const [name, value] of Object.entries(searched)) {
    if (!declaredParams.includes(name) && !candidateParams.has(name)) {
      findings.push({
        path: ['train', 'sweep', 'params', name],
        target: 'key',
        message: `'${name}' is not in train.params${didYouMean(name, declaredParams) || (declaredParams.length ? `; expected one of: ${listNames(declaredParams)}` : '; add it there with its default value')}`,
      })
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue
    const range = value as Record<string, unknown>
    const path = ['train', 'sweep', 'params', name]
    if (!random) {
      findings.push({ path, message: 'a range is sampled by a random search; list the values for a grid (e.g. [0.1, 1, 10]) or set strategy: random' })
    }
    const { min, max } = range
    if (typeof min !== 'number' || typeof max !== 'number') continue
    const distribution = range.distribution ?? 'uniform'
    if (!(min < max)) findings.push({ path: [...path, 'max'], message: `max ${max} must be above min ${min}` })
    else if (distribution === 'log-uniform' && min <= 0) {
      findings.push({ path: [...path, 'min'], message: `log-uniform needs min above 0, found ${min}; use uniform or a positive min` })
    } else if (distribution === 'int-uniform' && (!Number.isInteger(min) || !Number.isInteger(max))) {
      findings.push({ path: [...path, 'min'], message: `int-uniform needs whole-number min and max, found ${min} and ${max}` })
    }
  }
  if (Object.keys(searched).length === 0 && candidates.length === 0 && has(sweep, 'metric')) {
    findings.push({ path: ['train', 'sweep'], target: 'key', message: 'the sweep searches nothing; add params to search or candidates to try' })
  }
  const seen = new Map<string, number>()
  candidates.forEach((candidate, index) => {
    const name = stringAt(candidate, 'name')
    if (name === undefined) return
    const first = seen.get(name)
    if (first !== undefined) {
      findings.push({ path: ['train', 'sweep', 'candidates', index, 'name'], message: `'${name}' is the name of candidates[${first}] too; each candidate has its own name` })
    } else if (name === 'train') {
      findings.push({ path: ['train', 'sweep', 'candidates', index, 'name'], message: "'train' names train.command in the leaderboard; pick another name" })
    }
    seen.set(name, index)
    if (objectAt({ candidate }, 'candidate')?.mitigation === false && !has(train, 'mitigation')) {
      findings.push({
        path: ['train', 'sweep', 'candidates', index, 'mitigation'],
        message: 'mitigation: false compares with train.mitigation and the spec has none; add train.mitigation or remove this key',
      })
    }
  })
}

export function checkModelSpec(spec: Record<string, unknown>, file: string): CheckFinding[] {
  const findings: CheckFinding[] = []
  const taskValue = stringAt(spec, 'task')
  const task = TASKS.find((name) => name === taskValue)
  const name = stringAt(spec, 'name')
  const expected = expectedModelName(file)
  if (name !== undefined && expected !== '' && name !== expected) {
    findings.push({
      path: ['name'],
      message: `'${name}' does not match the spec's folder ${file.split('/').slice(0, -1).join('/')}; name the model '${expected}' or move the spec to a folder named after it`,
    })
  }
  checkData(objectAt(spec, 'data'), findings)
  checkMitigation(spec, task, findings)
  checkSweep(spec, task, findings)
  checkEvaluate(spec, task, findings)
  const environments = checkDeploy(spec, findings)
  checkMonitor(spec, environments, findings)
  return findings
}
