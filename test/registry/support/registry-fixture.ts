/**
 * What the registry tests share: a real scratch git repository with commits, the six asset files a
 * version needs, a collecting log, and a fault-injecting wrapper that makes a real backend fail at
 * one chosen call (to test that a rerun finishes a half-done registration).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RegistryBackend } from '../../../src/registry/backend.js'
import type { RegistryLog } from '../../../src/registry/log.js'

/** Environment for git commands in tests: fixed identity, no user or system config. */
export const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Tagger',
  GIT_COMMITTER_EMAIL: 'tagger@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
}

/** A scratch working repository on branch main. */
export interface ScratchRepo {
  dir: string
  git(...args: string[]): string
  /** Makes an empty commit and answers its SHA. */
  commit(message: string): string
  remove(): void
}

/** Creates a scratch repository with one commit. */
export function createScratchRepo(prefix = 'modelship-registry-'): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  git('init', '-q', '-b', 'main')
  git('config', 'user.name', 'Test Tagger')
  git('config', 'user.email', 'tagger@example.com')
  const repo: ScratchRepo = {
    dir,
    git,
    commit(message) {
      git('commit', '-q', '--allow-empty', '-m', message)
      return git('rev-parse', 'HEAD').trim()
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
  repo.commit('initial')
  return repo
}

/** Writes the six required assets (content varies with `seed`) into a new folder; answers its path. */
export function writeAssets(seed: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'modelship-assets-'))
  const files: Record<string, string> = {
    'model.onnx': `onnx bytes for ${seed}\n`,
    'evaluation.json': JSON.stringify({ metrics: { roc_auc: 0.9 }, seed }) + '\n',
    'run.json': JSON.stringify({ seed, commit: seed }) + '\n',
    'model-card.md': `# Model card ${seed}\n`,
    'reference-profile.json': JSON.stringify({ rowCount: 3, seed }) + '\n',
    'spec.yaml': `name: churn # ${seed}\n`,
    ...extra,
  }
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

/** A log that keeps its lines. */
export function collectingLog(): RegistryLog & { lines: string[] } {
  const lines: string[] = []
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(`warning: ${m}`) }
}

/** The error a faulty backend throws. */
export class InjectedFault extends Error {}

/**
 * The real `backend`, except that the `nth` call (1-based) of `method` throws InjectedFault
 * before it reaches the backend (or, with `after: true`, once the call has done its work).
 */
export function failAt(backend: RegistryBackend, method: keyof RegistryBackend, nth = 1, after = false): RegistryBackend {
  let calls = 0
  return new Proxy(backend, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown
      if (property !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value
      return async (...args: unknown[]) => {
        calls++
        if (calls === nth && !after) throw new InjectedFault(`injected fault in ${String(method)}`)
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        if (calls === nth && after) throw new InjectedFault(`injected fault after ${String(method)}`)
        return result
      }
    },
  })
}
