/**
 * Registry listing speed over a local repository with many tags: `listModels` (modelship registry
 * list) and `showVersion('m0#production')` (modelship registry show) beside `git tag -l` on the
 * same repository, the floor any tag-based registry stands on. The repository is built with one
 * `git fast-import` (annotated version and stage tags with distinct tagger times), refs packed as
 * after a clone. Each measure is the median of --repeats runs (default 15), interleaved.
 *
 * Usage: node --import tsx bench/registry.ts [--tags 5000] [--models 10] [--repeats 15]
 */
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { LocalRegistryBackend } from '../src/registry/local-backend.js'
import { listModels, showVersion } from '../src/registry/lookup.js'

const run = promisify(execFile)
const args = process.argv.slice(2)
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? Number(args[i + 1]) : fallback
}
const totalTags = option('tags', 5000)
const models = option('models', 10)
const repeats = option('repeats', 15)

const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@example.com' }
const dir = mkdtempSync(join(tmpdir(), 'modelship-bench-registry-'))
try {
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env })
  // Per model: 60% version tags (one commit each), 40% stage tags moving production and staging.
  const perModel = Math.floor(totalTags / models)
  const versions = Math.ceil(perModel * 0.6)
  const stages = perModel - versions
  const parts: string[] = []
  let mark = 0
  let time = 1_700_000_000
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`
  const commitOf = new Map<string, number>()
  for (let m = 0; m < models; m++) {
    for (let v = 1; v <= versions; v++) {
      mark++
      parts.push(`commit refs/heads/main\nmark :${mark}\ncommitter b <b@example.com> ${time++} +0000\n${data(`train m${m} ${v}`)}`)
      commitOf.set(`m${m}@v0.0.${v}`, mark)
    }
  }
  let tags = 0
  let productionTag = ''
  for (let m = 0; m < models; m++) {
    for (let v = 1; v <= versions; v++) {
      const name = `m${m}@v0.0.${v}`
      const lineage = JSON.stringify({ schema: 'modelship/lineage@1', model: `m${m}`, version: `v0.0.${v}`, run: { url: `https://github.com/acme/models/actions/runs/${v}` } }, null, 2)
      parts.push(`tag ${name}\nfrom :${commitOf.get(name)}\ntagger b <b@example.com> ${time++} +0000\n${data(`Register m${m} v0.0.${v}\n\n${lineage}`)}`)
      tags++
    }
    for (let s = 1; s <= stages; s++) {
      const stage = s % 2 === 0 ? 'production' : 'staging'
      const v = 1 + ((s * 7) % versions)
      const counter = versions + s
      const name = `m${m}#${stage}#${counter}`
      if (m === 0 && stage === 'production') productionTag = `m0@v0.0.${v}`
      parts.push(`tag ${name}\nfrom :${commitOf.get(`m${m}@v0.0.${v}`)}\ntagger b <b@example.com> ${time++} +0000\n${data(`Promote m${m} v0.0.${v} to ${stage}`)}`)
      tags++
    }
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: parts.join('') })
  execFileSync('git', ['pack-refs', '--all'], { cwd: dir, env })
  // The release of the version in production, so `show` reads one as it would in a real registry.
  const release = join(dir, '.modelship', 'registry', productionTag)
  mkdirSync(release, { recursive: true })
  writeFileSync(join(release, 'release.json'), JSON.stringify({ id: 'r1', tagName: productionTag, name: productionTag, body: '', draft: false, commit: '', createdAt: '', assets: {} }))

  const backend = new LocalRegistryBackend({ repoDir: dir })
  // A list with no date cache reads every stage tag object once: measured on its own (cache deleted first).
  const colds: number[] = []
  for (let r = 0; r < Math.max(3, Math.floor(repeats / 3)); r++) {
    rmSync(join(dir, '.git', 'modelship'), { recursive: true, force: true })
    const t0 = performance.now()
    await listModels(backend)
    colds.push(performance.now() - t0)
  }
  const measures: Record<string, number[]> = { 'git tag -l': [], list: [], 'show m0#production': [] }
  let listed = 0
  let shown = ''
  for (let r = 0; r < repeats; r++) {
    let t = performance.now()
    await run('git', ['tag', '-l'], { cwd: dir, env, maxBuffer: 64 * 1024 * 1024 })
    measures['git tag -l']!.push(performance.now() - t)
    t = performance.now()
    listed = (await listModels(backend)).length
    measures.list!.push(performance.now() - t)
    t = performance.now()
    shown = (await showVersion(backend, 'm0#production')).tag
    measures['show m0#production']!.push(performance.now() - t)
  }
  if (listed !== models || shown !== productionTag) throw new Error(`wrong answers: ${listed} models, show gave ${shown} instead of ${productionTag}`)
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const floor = median(measures['git tag -l']!)
  console.log(`registry bench: ${tags} tags (${models} models × ${versions} versions + ${stages} stage tags), refs packed, median of ${repeats}, node ${process.version}`)
  for (const [name, xs] of Object.entries(measures)) {
    const m = median(xs)
    console.log(`${name.padEnd(20)} ${m.toFixed(1).padStart(8)} ms   ${(m / floor).toFixed(2)}x git tag -l`)
  }
  const cold = median(colds)
  console.log(`${'list, cold cache'.padEnd(20)} ${cold.toFixed(1).padStart(8)} ms   ${(cold / floor).toFixed(2)}x git tag -l (no date cache: a fresh clone)`)
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${cpus().length} cores`)
  const worst = Math.max(median(measures.list!), median(measures['show m0#production']!))
  console.log(`goal: within 3x of git tag -l and under 1000 ms → ${worst / floor <= 3 && worst < 1000 ? 'met' : 'NOT met'}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
