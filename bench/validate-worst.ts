// Times validation of hostile model specs, each as large as the size limit allows, beside a valid
// spec of the same size (the baseline, measured in the same run). A pull request's spec is hostile
// input: every case must validate in under 1 s, and its ratio to the valid spec says how far it is
// from ordinary work. Each case is a real file in a copy of the fixture repository, validated with
// validateModelFile (read, parse, secrets, schema, checks, files on disk), as `modelship validate` does.
//
// Usage: node --import tsx bench/validate-worst.ts [--bytes N] [--repeats N] [CASE...]
//   --bytes N     size of each input (default: the size limit, 256 KiB, less 1 KiB)
//   --repeats N   runs of each case; the median is printed (default 3)
//   CASE          run only the cases whose name contains one of these words
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { performance } from 'node:perf_hooks'
import { MAX_SPEC_BYTES } from '../src/spec/index.js'
import { MAX_ENTRIES } from '../src/spec/yaml-prescan.js'
import { validateModelFile } from '../src/spec/validate.js'

const here = dirname(fileURLToPath(import.meta.url))
const fixture = resolve(here, '../test/fixtures/specs/repo')

const argv = process.argv.slice(2)
function option(name: string, fallback: number): number {
  const index = argv.indexOf(name)
  if (index < 0) return fallback
  const value = Number(argv.splice(index, 2)[1])
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive whole number`)
  return value
}
const bytes = option('--bytes', MAX_SPEC_BYTES - 1024)
const repeats = option('--repeats', 3)
const filters = argv

/** Repeats `unit(i)` until the text would pass `size` bytes. */
function fill(prefix: string, unit: (index: number) => string, suffix = '', size = bytes): string {
  const parts = [prefix]
  let length = prefix.length + suffix.length
  for (let index = 0; ; index++) {
    const next = unit(index)
    if (length + next.length > size) break
    parts.push(next)
    length += next.length
  }
  parts.push(suffix)
  return parts.join('')
}

/** `unit(i)` as often as stays under MAX_ENTRIES (each unit holding `per` entries) and the size. */
function lines(prefix: string, unit: (index: number) => string, suffix = '', per = 1): string {
  const count = Math.floor((MAX_ENTRIES - 100) / per)
  return fill(prefix, (index) => (index < count ? unit(index) : '\u0000'), suffix).replace(/\u0000+/, '')
}

/** `open` n times then `close` n times, n as large as fits. */
function nest(prefix: string, open: string, close: string, suffix = ''): string {
  const depth = Math.floor((bytes - prefix.length - suffix.length) / (open.length + close.length))
  return prefix + open.repeat(depth) + close.repeat(depth) + suffix
}

const validSpec = readFileSync(join(fixture, 'models/churn/model.yaml'), 'utf8')
const HEAD = 'apiVersion: modelship/v1\nkind: Model\nname: worst\n'
const token = (index: number) => `ghp_${String(index).padStart(8, '0')}R2d2C3poXwingYodaLukeLeia01`

/** name → spec text. The first is the baseline: the fixture's valid churn spec, its params padded. */
const CASES: Array<[string, () => string]> = [
  // Padded with params of realistic length (a note each), under the limit of entries a mapping may hold.
  ['valid spec (baseline)', () => {
    const base = validSpec.replace('name: churn', 'name: worst').replace('  params: { C: 1.0 }\n', '@@')
    const note = 'a longer note on what this parameter does and why it has this value'
    return base.replace('@@', fill('  params:\n', (i) => `    p${i}: "${note}, and more about it (${i})"\n`, '', bytes - base.length))
  }],
  ['unknown keys', () => fill(HEAD, (i) => `unknown-key-${i}: 1\n`)],
  ['unclosed flow, then closers', () => fill('zzz: [a', () => ']')],
  ['deep flow map in a second document', () => nest(`${HEAD}---\n`, '{a: ', '}')],
  ['deep flow map', () => nest('a: ', '{a: ', '}')],
  ['deep flow list', () => nest('a: ', '[', ']')],
  ['deep block nesting', () => {
    const parts = [HEAD]
    let length = HEAD.length
    for (let depth = 0; length < bytes - 2 * depth - 4; depth++) {
      parts.push(`${'  '.repeat(depth)}a:\n`)
      length += 2 * depth + 3
    }
    return parts.join('')
  }],
  ['self-referring aliases', () => fill(HEAD, (i) => `a${i}: &r${i} {b: *r${i}}\n`)],
  ['one anchor, many aliases', () => fill(`${HEAD}x: &x [1, 2, 3]\nparams:\n`, (i) => `  p${i}: *x\n`)],
  ['duplicate keys', () => fill(HEAD, () => 'kind: Model\n')],
  ['a syntax error on every line', () => fill(HEAD, (i) => `k${i}: a: b\n`)],
  ['errors on one long line', () => fill('x: {', (i) => `a${i} b, `, '\n')],
  ['custom tags', () => fill(HEAD, (i) => `k${i}: !t${i} v\n`)],
  ['secrets as values', () => fill(`${HEAD}params:\n`, (i) => `  p${i}: ${token(i)}\n`)],
  ['secrets as keys', () => fill(`${HEAD}params:\n`, (i) => `  ${token(i)}: 1\n`)],
  ['bad list items', () => fill(`${HEAD}data:\n  features: [`, (i) => `${i}, `, '1]\n')],
  // Just under the pre-scan's entry limit, so the whole pipeline runs: the slowest inputs there are.
  ['unknown keys, at the entry limit', () => lines(HEAD, (i) => `unknown-key-${i}: 1\n`)],
  ['duplicate keys, at the entry limit', () => lines(HEAD, () => 'kind: Model\n')],
  ['custom tags, at the entry limit', () => lines(HEAD, (i) => `k${i}: !t${i} v\n`)],
  ['secrets as values, at the entry limit', () => lines(`${HEAD}params:\n`, (i) => `  p${i}: ${token(i)}\n`)],
  ['secrets as keys, at the entry limit', () => lines(`${HEAD}params:\n`, (i) => `  ${token(i)}: 1\n`)],
  ['bad list items, at the entry limit', () => lines(`${HEAD}data:\n  features: [`, (i) => `${i}, `, '1]\n')],
  ['syntax errors, at the entry limit', () => lines(HEAD, (i) => `k${i}: a: b\n`, '', 2)],
  ['one long unknown key', () => nest(HEAD, 'k', '', ': 1\n')],
  ['one long bad metric', () => `${HEAD}task: regression\nevaluate:\n  metrics: [${'r'.repeat(bytes - HEAD.length - 50)}]\n`],
]

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const root = mkdtempSync(join(tmpdir(), 'modelship-worst-'))
try {
  cpSync(fixture, root, { recursive: true })
  mkdirSync(join(root, 'models/worst'), { recursive: true })
  const file = 'models/worst/model.yaml'
  console.log(`validate, hostile specs of ${bytes.toLocaleString('en-US')} bytes (limit ${MAX_SPEC_BYTES.toLocaleString('en-US')}), median of ${repeats}; load average ${loadavg()[0]!.toFixed(1)}`)
  console.log(`${'case'.padEnd(38)} ${'bytes'.padStart(9)} ${'ms'.padStart(8)} ${'× valid'.padStart(8)}  problems`)
  let baseline: number | undefined
  let worst = 0
  for (const [name, make] of CASES) {
    if (baseline !== undefined && filters.length > 0 && !filters.some((word) => name.includes(word))) continue
    const text = make()
    writeFileSync(join(root, file), text)
    const times: number[] = []
    let problems = 0
    for (let run = 0; run < repeats; run++) {
      const start = performance.now()
      const result = await validateModelFile(root, file)
      times.push(performance.now() - start)
      problems = result.problems.length
    }
    const ms = median(times)
    baseline ??= ms
    if (name !== CASES[0]![0]) worst = Math.max(worst, ms)
    const size = Buffer.byteLength(text)
    console.log(`${name.padEnd(38)} ${size.toLocaleString('en-US').padStart(9)} ${ms.toFixed(1).padStart(8)} ${(ms / baseline).toFixed(1).padStart(8)}  ${problems}`)
  }
  console.log(`slowest hostile case: ${worst.toFixed(0)} ms (goal: under 1,000 ms)`)
} finally {
  rmSync(root, { recursive: true, force: true })
}
