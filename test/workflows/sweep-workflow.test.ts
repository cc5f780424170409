// modelship-sweep.yml: its trust decision run with bash as the runner would, and the wiring between
// plan, trial and select (artifact names, the selection reading what the trials uploaded).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { parse as parseYaml } from 'yaml'
import { REPO_ROOT } from '../support/run-action.js'

interface Step { id?: string; uses?: string; run?: string; if?: string; with?: Record<string, string>; env?: Record<string, string> }
interface Job { if?: string; needs?: string | string[]; 'runs-on'?: unknown; strategy?: Record<string, unknown>; steps: Step[] }
const FILE = 'reusable-workflows/modelship-sweep.yml'
const workflow = parseYaml(readFileSync(join(REPO_ROOT, FILE), 'utf8')) as { jobs: Record<string, Job> }

function trust(env: Record<string, string>): { status: number | null; outputs: Record<string, string>; log: string; summary: string } {
  const step = workflow.jobs.validate!.steps.find((s) => s.id === 'trust')!
  const dir = mkdtempSync(join(tmpdir(), 'modelship-sweep-step-'))
  try {
    const [output, summary] = [join(dir, 'output'), join(dir, 'summary')]
    writeFileSync(output, '')
    writeFileSync(summary, '')
    const base = { EVENT_NAME: 'pull_request', HEAD_REPO: 'acme/models', REPO: 'acme/models', MODEL: 'churn', TRIALS: '3' }
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, ...base, ...env },
    })
    const outputs = Object.fromEntries(readFileSync(output, 'utf8').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]))
    return { status: result.status, outputs, log: result.stdout + result.stderr, summary: readFileSync(summary, 'utf8') }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('sweep trust: this repository, a push, a schedule and a dispatch train; a fork pull request is planned only; pull_request_target fails', () => {
  assert.deepEqual(trust({}).outputs, { safe: 'churn', any: 'true', train: 'true' })
  for (const event of ['push', 'schedule', 'workflow_dispatch']) assert.equal(trust({ EVENT_NAME: event, HEAD_REPO: '' }).outputs.train, 'true', event)
  const fork = trust({ HEAD_REPO: 'mallory/models' })
  assert.equal(fork.status, 0)
  assert.equal(fork.outputs.train, 'false')
  assert.match(fork.log, /::notice title=Modelship::Pull request from the fork mallory\/models: the sweep was planned, nothing trained/)
  assert.match(fork.summary, /^### Sweep not trained\n/)
  const target = trust({ EVENT_NAME: 'pull_request_target' })
  assert.equal(target.status, 1)
  assert.match(target.log, /not 'pull_request_target' \(pull_request_target would run the pull request's code with a write token\)/)
  assert.equal(target.outputs.train, undefined)
  // Data, never code: a name with shell syntax is compared, not run.
  const hostile = trust({ HEAD_REPO: '$(touch /tmp/pwned)"; echo train=true >> "$GITHUB_OUTPUT' })
  assert.equal(hostile.outputs.train, 'false')
  assert.equal(trust({ TRIALS: '0' }).outputs.any, 'false')
  assert.equal(trust({ MODEL: 'team/churn:v2' }).outputs.safe, 'team=churn=v2')
})

test('sweep wiring: trial jobs run on the spec runners only when trusted, upload <trial>/ folders that select merges and reads', () => {
  const { validate, trial, select } = workflow.jobs as Record<string, Job>
  assert.equal(trial!.if, "needs.validate.outputs.any == 'true' && needs.validate.outputs.train == 'true'")
  assert.equal(trial!['runs-on'], '${{ matrix.runs-on }}')
  assert.equal(trial!.strategy?.matrix, '${{ fromJSON(needs.validate.outputs.matrix) }}')
  assert.equal(trial!.strategy?.['max-parallel'], '${{ fromJSON(needs.validate.outputs.max-parallel) }}')
  assert.equal(trial!.strategy?.['fail-fast'], false)
  const plan = validate!.steps.find((step) => step.id === 'plan')!
  assert.match(plan.uses!, /^modelship-dev\/modelship\/actions\/sweep@/)
  assert.equal(plan.with?.operation, 'plan')
  const run = trial!.steps.find((step) => step.id === 'trial')!
  assert.deepEqual([run.with?.operation, run.with?.trial], ['trial', '${{ matrix.trial }}'])
  const upload = trial!.steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'))!
  assert.equal(upload.with?.name, 'modelship-trial-${{ needs.validate.outputs.safe }}-${{ matrix.trial }}')
  // The trial's record is uploaded when its step failed too, so select lists it with its error.
  assert.match(upload.if!, /!cancelled\(\)/)
  assert.match(trial!.steps.find((step) => step.id === 'collect')!.run!, /cp -R "\$TRIAL_DIR" "\$dir\/\$TRIAL"/)
  assert.equal(select!.if, "${{ !cancelled() && needs.trial.result != 'skipped' }}")
  assert.equal(select!['runs-on'], 'ubuntu-latest')
  const download = select!.steps.find((step) => step.uses?.startsWith('actions/download-artifact@'))!
  assert.deepEqual(download.with, { pattern: 'modelship-trial-${{ needs.validate.outputs.safe }}-*', 'merge-multiple': true, path: '${{ runner.temp }}/modelship-trials' })
  const choose = select!.steps.find((step) => step.id === 'select')!
  assert.deepEqual([choose.with?.operation, choose.with?.from], ['select', '${{ runner.temp }}/modelship-trials'])
})
