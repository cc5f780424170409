// Time to feedback on a pull request: the pull-request workflow's Modelship steps (validate → train
// → evaluate → report) on a copy of example-repo's churn model, through test/support/run-action.ts
// (the bundled actions as a runner runs them, no token: local backend, local folder cache). Run 1
// starts from a fresh workspace (no virtualenv, no training cache; uv's download cache is the
// machine's); run 2 is the re-run of the same commit with Modelship's cache warm.
// Usage: node --import tsx bench/pr-feedback.ts   (needs dist/ built, python3.11, uv or pip)
import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, runAction } from '../test/support/run-action.js'

const workspace = mkdtempSync(join(tmpdir(), 'modelship-pr-feedback-'))
try {
  cpSync(join(REPO_ROOT, 'example-repo'), workspace, { recursive: true, filter: (source) => !/[\\/](outputs|\.modelship|\.venv|__pycache__)$/.test(source) })
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', ...args], { cwd: workspace })
  git('init', '-q', '-b', 'main')
  git('add', '.')
  git('commit', '-q', '-m', 'example-repo')
  // The machine's environment (certificates, proxies, uv's settings) without any token: local backend.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name, value]) => value !== undefined && !/TOKEN|^GITHUB_/.test(name))) as Record<string, string>
  const steps: [string, Record<string, string>][] = [
    ['validate', {}],
    ['train', { model: 'churn' }],
    ['evaluate', { model: 'churn', output: 'evaluation.json' }],
    ['report', { evaluations: 'evaluation.json' }],
  ]
  const once = async (label: string): Promise<number> => {
    const started = performance.now()
    let outputDir = ''
    for (const [action, given] of steps) {
      const stepStarted = performance.now()
      // As the workflow does: evaluate's candidate is the train step's output-dir.
      const inputs = action === 'evaluate' ? { ...given, candidate: outputDir } : given
      const run = await runAction({ action, workspace, inputs, env, timeoutMs: 600_000 })
      if (action === 'train') outputDir = run.outputs['output-dir'] ?? ''
      if (run.exitCode !== 0) throw new Error(`${action} exited ${run.exitCode}:\n${run.stdout}\n${run.stderr}`)
      const hit = action === 'train' ? ` (cache-hit ${run.outputs['cache-hit']})` : ''
      console.log(`${label} ${action.padEnd(8)} ${((performance.now() - stepStarted) / 1000).toFixed(1)} s${hit}`)
    }
    return (performance.now() - started) / 1000
  }
  const first = await once('first ')
  const again = await once('re-run')
  console.log(`first run ${first.toFixed(1)} s, re-run ${again.toFixed(1)} s, ratio ${(again / first).toFixed(2)} (goal: under 0.33)`)
} finally {
  rmSync(workspace, { recursive: true, force: true })
}
