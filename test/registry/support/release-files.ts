/**
 * Reaching behind the local registry in tests: its published releases are commits under
 * refs/modelship/releases/<tag>, so tests read, damage or remove their files with git itself.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { releaseRef } from '../../../src/registry/local-backend.js'
import { GIT_ENV } from './registry-fixture.js'

function run(repoDir: string, args: string[], input?: string): string {
  return execFileSync('git', args, { cwd: repoDir, env: GIT_ENV, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim()
}

/** Writes the files of the published release of `tag` into a fresh folder under the git dir and answers its path. */
export function extractRelease(repoDir: string, tag: string): string {
  const dir = join(repoDir, '.git', 'modelship-test-release', tag.replaceAll('/', '%2F'))
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const archive = execFileSync('git', ['archive', '--format=tar', releaseRef(tag)], { cwd: repoDir, env: GIT_ENV })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  return dir
}

/**
 * Replaces (or adds) file `name` of the published release of `tag` with `content`, or removes it
 * when `content` is undefined, behind the registry's back: its release.json is left as it is, as a
 * hand edit or a damaged object store would leave it.
 */
export function rewriteReleaseFile(repoDir: string, tag: string, name: string, content: string | Buffer | undefined): void {
  const ref = releaseRef(tag)
  const entries = run(repoDir, ['ls-tree', ref]).split('\n').filter((line) => !line.endsWith(`\t${name}`))
  if (content !== undefined) entries.push(`100644 blob ${run(repoDir, ['hash-object', '-w', '--stdin'], content as string)}\t${name}`)
  const tree = run(repoDir, ['mktree'], entries.join('\n') + '\n')
  run(repoDir, ['update-ref', ref, run(repoDir, ['commit-tree', tree, '-p', ref, '-m', 'hand edit'])])
}
