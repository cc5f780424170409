// Regenerates every committed generated file, or (--check) verifies they are up to date:
//
//   dist/**                          bundles and the shared onnxruntime binaries (scripts/build.mjs)
//   schemas/*.json                   JSON Schemas from the zod schemas in src/spec
//   actions/<name>/README.md         the inputs and outputs tables, between the GENERATED markers, from action.yml
//   .github/workflows/<name>.yml     published copies of reusable-workflows/*.yml (GitHub runs reusable workflows only from there)
//
// The check fails only on real differences: text files are compared with line endings normalised
// (a Windows checkout with core.autocrlf must not fail it), binaries byte for byte.
//
// Usage: npm run generate          (write)
//        npm run check-generated   (compare; exit 1 listing each stale file)
//        add --root DIR to work on another checkout
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { generateJsonSchemas } from '../src/spec/index.js'
import { EVALUATION_SCHEMA_FILE, evaluationJsonSchema } from '../src/evaluate/json-schema.js'
import { DRIFT_SCHEMA_FILE, driftJsonSchema } from '../src/drift/json-schema.js'
import { REPO_ROOT, bundle, listFiles } from './build.mjs'

/** Folders whose every file is generated: a file there that generation does not produce is stale. */
export const GENERATED_FOLDERS = ['dist'] as const

/** The fix printed with every stale file. */
export const FIX = 'run npm run generate and commit'

const TEXT_FILE = /\.(mjs|cjs|js|json|md|ya?ml|txt)$/

/** Markers around a generated README section; `what` is `inputs` or `outputs`. */
export function markers(what: string): { begin: string; end: string } {
  return {
    begin: `<!-- BEGIN GENERATED: ${what} (from action.yml by npm run generate; do not edit) -->`,
    end: `<!-- END GENERATED: ${what} -->`,
  }
}

interface ActionManifest {
  name?: string
  inputs?: Record<string, { description?: string; required?: boolean; default?: unknown; deprecationMessage?: string }>
  outputs?: Record<string, { description?: string }>
}

function cell(text: string): string {
  return text.trim().replace(/\|/g, '\\|').replace(/\r?\n+/g, ' ')
}

/** The Markdown inputs table for an action.yml. */
export function inputsTable(manifest: ActionManifest): string {
  const inputs = Object.entries(manifest.inputs ?? {})
  if (inputs.length === 0) return '_This action has no inputs._\n'
  const rows = inputs.map(([name, input]) => {
    const deflt = input.default === undefined || input.default === '' ? '' : `\`${String(input.default)}\``
    const description = cell(input.description ?? '') + (input.deprecationMessage ? ` **Deprecated:** ${cell(input.deprecationMessage)}` : '')
    return `| \`${name}\` | ${description} | ${input.required ? 'yes' : 'no'} | ${deflt} |`
  })
  return ['| Input | Description | Required | Default |', '| --- | --- | --- | --- |', ...rows].join('\n') + '\n'
}

/** The Markdown outputs table for an action.yml. */
export function outputsTable(manifest: ActionManifest): string {
  const outputs = Object.entries(manifest.outputs ?? {})
  if (outputs.length === 0) return '_This action has no outputs._\n'
  const rows = outputs.map(([name, output]) => `| \`${name}\` | ${cell(output.description ?? '')} |`)
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n') + '\n'
}

/**
 * `readme` with the text between each pair of markers replaced by the generated table. A README
 * without the markers is a mistake the generator cannot fix on its own, so it throws.
 */
export function updateReadme(readme: string, manifest: ActionManifest, file: string): string {
  let text = readme.replace(/\r\n/g, '\n')
  for (const [what, table] of [
    ['inputs', inputsTable(manifest)],
    ['outputs', outputsTable(manifest)],
  ] as const) {
    const { begin, end } = markers(what)
    const start = text.indexOf(begin)
    const stop = text.indexOf(end)
    if (start < 0 || stop < start) {
      throw new Error(`${file}: missing the ${what} markers; add these two lines where the table goes:\n${begin}\n${end}`)
    }
    text = `${text.slice(0, start + begin.length)}\n\n${table}\n${text.slice(stop)}`
  }
  return text
}

/** Every generated file and the content it should have, relative to the repository root. */
export async function expectedFiles(root: string = REPO_ROOT): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>()
  for (const [path, bytes] of await bundle({ root })) files.set(`dist/${path}`, bytes)
  for (const [name, json] of Object.entries(generateJsonSchemas())) {
    files.set(`schemas/${name}`, Buffer.from(json.endsWith('\n') ? json : `${json}\n`))
  }
  files.set(`schemas/${EVALUATION_SCHEMA_FILE}`, Buffer.from(evaluationJsonSchema()))
  files.set(`schemas/${DRIFT_SCHEMA_FILE}`, Buffer.from(driftJsonSchema()))
  const workflows = await readdir(join(root, 'reusable-workflows')).catch(() => [] as string[])
  for (const name of workflows.filter((n) => /\.ya?ml$/.test(n)).sort()) {
    files.set(`.github/workflows/${name}`, await readFile(join(root, 'reusable-workflows', name)))
  }
  const actions = await readdir(join(root, 'actions'), { withFileTypes: true }).catch(() => [])
  for (const entry of actions.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const manifestFile = join(root, 'actions', entry.name, 'action.yml')
    const readmeFile = `actions/${entry.name}/README.md`
    const manifestText = await readFile(manifestFile, 'utf8').catch(() => undefined)
    const readme = await readFile(join(root, readmeFile), 'utf8').catch(() => undefined)
    if (manifestText === undefined || readme === undefined) continue
    const manifest = parseYaml(manifestText) as ActionManifest
    files.set(readmeFile, Buffer.from(updateReadme(readme, manifest, readmeFile)))
  }
  return files
}

function sameContent(path: string, a: Uint8Array, b: Uint8Array): boolean {
  if (TEXT_FILE.test(path)) {
    return Buffer.from(a).toString('utf8').replace(/\r\n/g, '\n') === Buffer.from(b).toString('utf8').replace(/\r\n/g, '\n')
  }
  return Buffer.compare(a, b) === 0
}

/** A generated file that is not what generation would make. */
export interface StaleFile {
  path: string
  reason: 'differs' | 'missing' | 'not generated'
}

/** Compares the generated files with what is on disk under `root`. */
export async function findStale(root: string = REPO_ROOT, expected?: Map<string, Uint8Array>): Promise<StaleFile[]> {
  const files = expected ?? (await expectedFiles(root))
  const stale: StaleFile[] = []
  for (const [path, bytes] of files) {
    const current = await readFile(join(root, path)).catch(() => undefined)
    if (current === undefined) stale.push({ path, reason: 'missing' })
    else if (!sameContent(path, current, bytes)) stale.push({ path, reason: 'differs' })
  }
  for (const folder of GENERATED_FOLDERS) {
    for (const path of await listFiles(join(root, folder))) {
      if (!files.has(`${folder}/${path}`)) stale.push({ path: `${folder}/${path}`, reason: 'not generated' })
    }
  }
  return stale.sort((a, b) => (a.path < b.path ? -1 : 1))
}

/** Writes the generated files that differ (atomically) and deletes stale ones; returns what changed. */
export async function generate(root: string = REPO_ROOT): Promise<StaleFile[]> {
  const files = await expectedFiles(root)
  const stale = await findStale(root, files)
  for (const { path, reason } of stale) {
    const target = join(root, path)
    if (reason === 'not generated') {
      await rm(target)
      continue
    }
    await mkdir(dirname(target), { recursive: true })
    const temp = `${target}.${process.pid}.tmp`
    await writeFile(temp, files.get(path) as Uint8Array, { mode: path === 'dist/cli.cjs' ? 0o755 : 0o644 })
    await rename(temp, target)
  }
  return stale
}

async function main(args: string[]): Promise<number> {
  const at = args.indexOf('--root')
  const root = resolve(at >= 0 ? (args[at + 1] ?? '.') : REPO_ROOT)
  if (args.includes('--check')) {
    const stale = await findStale(root)
    if (stale.length === 0) {
      console.log('generated files are up to date')
      return 0
    }
    console.error(`${stale.length} generated file${stale.length === 1 ? ' is' : 's are'} stale:`)
    for (const { path, reason } of stale) console.error(`  ${path} (${reason}): ${FIX}`)
    return 1
  }
  const changed = await generate(root)
  for (const { path, reason } of changed) console.log(`${reason === 'not generated' ? 'removed' : 'wrote'} ${path}`)
  if (changed.length === 0) console.log('generated files are up to date')
  return 0
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    return 1
  })
}

