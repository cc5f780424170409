#!/usr/bin/env node
/**
 * Release step: the published workflows (.github/workflows/) call our actions and workflows at a
 * moving tag (`modelship-dev/modelship/actions/train@v0`), so a consumer who pins the workflow by
 * SHA still runs whatever v0 points at later. On the release tag's commit this rewrites every such
 * internal reference to the release commit's SHA, keeping the tag as a `# v0` comment:
 *
 *   node scripts/release.mjs pin <release-sha> [--out <dir>]   rewrite .github/workflows (or copy into <dir>)
 *   node scripts/release.mjs check [<dir>]                      exit 1 while an internal reference is not a SHA
 *
 * The main branch keeps the tags (its copies stay identical to reusable-workflows/); CI pins into a
 * temporary folder and checks that nothing was missed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)))
const PUBLISHED = join(ROOT, '.github', 'workflows')
/** `uses: modelship-dev/modelship/<path>@<ref>` with an optional trailing comment. */
const INTERNAL = /(uses:\s*['"]?modelship-dev\/modelship\/[^@\s'"]+)@([^\s'"#]+)(['"]?)([ \t]*#[^\n]*)?/g

/** The text with every internal reference at `sha`, its former ref kept as a comment. */
export function pinInternalReferences(text, sha) {
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new Error(`release: '${sha}' is not a full commit SHA (40 lowercase hex digits); pass the release commit, e.g. $(git rev-parse HEAD)`)
  return text.replace(INTERNAL, (whole, head, ref, quote, comment) => {
    if (/^[0-9a-f]{40}$/.test(ref)) return whole
    return `${head}@${sha}${quote} # ${ref}`
  })
}

/** Internal references that are not a full SHA, as `line: text`. */
export function unpinnedReferences(text) {
  const found = []
  text.split('\n').forEach((line, i) => {
    for (const match of line.matchAll(INTERNAL)) {
      if (!/^[0-9a-f]{40}$/.test(match[2])) found.push(`${i + 1}: ${line.trim()}`)
    }
  })
  return found
}

function workflowFiles(dir) {
  return readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort()
}

function main(argv) {
  const [command, ...rest] = argv
  if (command === 'pin' && rest[0] !== undefined) {
    const sha = rest[0]
    const outIndex = rest.indexOf('--out')
    const out = outIndex === -1 ? PUBLISHED : resolve(rest[outIndex + 1] ?? '')
    mkdirSync(out, { recursive: true })
    let count = 0
    for (const name of workflowFiles(PUBLISHED)) {
      const text = readFileSync(join(PUBLISHED, name), 'utf8')
      const pinned = pinInternalReferences(text, sha)
      count += unpinnedReferences(text).length
      writeFileSync(join(out, name), pinned)
    }
    process.stdout.write(`pinned ${count} internal reference(s) to ${sha} in ${out}\n`)
    return 0
  }
  if (command === 'check') {
    const dir = rest[0] === undefined ? PUBLISHED : resolve(rest[0])
    const problems = workflowFiles(dir).flatMap((name) => unpinnedReferences(readFileSync(join(dir, name), 'utf8')).map((found) => `${join(dir, name)}:${found}`))
    for (const problem of problems) process.stderr.write(`not pinned to a SHA: ${problem}\n`)
    return problems.length === 0 ? 0 : 1
  }
  process.stderr.write('usage: node scripts/release.mjs pin <release-sha> [--out <dir>] | check [<dir>]\n')
  return 2
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2))
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  }
}
