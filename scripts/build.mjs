// Bundles every action (actions/<name>/main.ts) and the CLI into one shared, committed dist/ folder:
//
//   dist/actions/<name>.cjs     one self-contained bundle per action (action.yml: main: ../../dist/actions/<name>.cjs)
//   dist/cli.cjs                the `modelship` command (package.json "bin")
//   dist/bin/napi-v6/linux/x64  onnxruntime-node's native binding and library, one copy shared by all bundles
//
// A runner downloads the whole repository for `uses: owner/repo/actions/<name>@ref` and never runs
// `npm install`, so nothing may be left to node_modules. Only linux x64 native binaries are shipped
// (GitHub-hosted and our self-hosted GPU runners); elsewhere loading onnxruntime fails with a clear error.
//
// The output is deterministic: same sources and dependencies give byte-identical files, so
// `npm run check-generated` can compare them with what is committed.
//
// Usage: node scripts/build.mjs [--outdir DIR]
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as esbuild from 'esbuild'

/** Repository root (the folder above scripts/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** Where onnxruntime-node's native files go, relative to dist/. */
export const NATIVE_DIR = 'bin/napi-v6/linux/x64'

const NATIVE_SOURCE = 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64'

// onnxruntime-node loads its binding with a computed path relative to its own file; in a bundle that
// file is gone, so the require is rewritten to a loader (defined in the banner) that resolves the
// binding relative to the bundle and explains a missing platform instead of a bare MODULE_NOT_FOUND.
const ORT_BINDING_FILE = /[\\/]onnxruntime-node[\\/]dist[\\/]binding\.js$/
const ORT_BINDING_REQUIRE = /require\(`\.\.\/bin\/napi-v6\/\$\{process\.platform\}\/\$\{process\.arch\}\/onnxruntime_binding\.node`\)/

// zod re-exports every locale (`z.locales.*`), 300 kB that each process would parse at start-up;
// nothing in Modelship switches locale, so bundles keep only English, zod's default.
const ZOD_LOCALES = /^\.\.\/locales\/index\.js$/
const zodEnglishOnlyPlugin = {
  name: 'zod-english-only',
  setup(build) {
    build.onResolve({ filter: ZOD_LOCALES }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: 'zod-locales-en', namespace: 'modelship' } : undefined,
    )
    build.onLoad({ filter: /^zod-locales-en$/, namespace: 'modelship' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js'\n",
      resolveDir: build.initialOptions.absWorkingDir,
    }))
  },
}

// yaml's exports map sends Node to its CommonJS build, which esbuild cannot tree-shake (the whole
// 158 kB, stringifier included, is parsed at every start); its ES module build (the same sources, the
// map's "default" entry) shakes to 127 kB. It differs only in what a spec never reaches: warnings go
// to console.warn instead of process.emitWarning, !!binary decodes with atob, and the LOG_TOKENS /
// LOG_STREAM debug switches are gone.
const YAML_ESM_ENTRY = 'node_modules/yaml/browser/index.js'
const yamlEsmPlugin = {
  name: 'yaml-esm',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: join(build.initialOptions.absWorkingDir, YAML_ESM_ENTRY) }))
  },
}

// @actions/core's index imports its OIDC client (@actions/http-client, which brings undici and tunnel,
// 560 kB) and its platform helpers (@actions/exec) for getIDToken and `platform`, which no action
// calls. Both modules only declare things when loaded, so marking them free of side effects lets
// esbuild drop them, and all they import, from every bundle that does not use them.
const ACTIONS_CORE_UNUSED = /^\.\/(oidc-utils|platform)\.js$/
const actionsCoreShakePlugin = {
  name: 'actions-core-shake',
  setup(build) {
    build.onResolve({ filter: ACTIONS_CORE_UNUSED }, (args) =>
      /[\\/]@actions[\\/]core[\\/]lib[\\/]core\.js$/.test(args.importer)
        ? { path: join(dirname(args.importer), args.path), sideEffects: false }
        : undefined,
    )
  },
}

/**
 * The entries to bundle: every actions/<name>/main.ts (which exports `run(env)`; a generated entry calls
 * it through runMain) and src/cli/main.ts. `out` is relative to the output folder.
 *
 * @param {string} root
 * @returns {Promise<Array<{ name: string, out: string, contents?: string, entry?: string }>>}
 */
export async function findEntries(root = REPO_ROOT) {
  const entries = []
  let names = []
  try {
    names = (await readdir(join(root, 'actions'), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  } catch (error) {
    if (error.code !== 'ENOENT') throw error
  }
  for (const name of names) {
    const main = join(root, 'actions', name, 'main.ts')
    try {
      await readFile(main)
    } catch (error) {
      if (error.code === 'ENOENT') continue
      throw error
    }
    entries.push({
      name,
      out: `actions/${name}.cjs`,
      contents:
        // Set before any schema is built: zod's JIT compiles a parser per object schema with
        // new Function, which costs more than it saves in a process that parses a few files once.
        `import './src/action/zod-jitless.ts'\n` +
        `import { run } from './actions/${name}/main.ts'\n` +
        `import { runMain } from './src/action/run-main.ts'\n` +
        // runMain never rejects: it turns every error into a failed step.
        `void runMain(run).then((code) => { process.exitCode = code })\n`,
    })
  }
  entries.push({ name: 'cli', out: 'cli.cjs', entry: 'src/cli/main.ts' })
  // batch-score's worker threads run this file; the CLI and the batch-score action start it from beside
  // (or one folder above) themselves, so dist/ keeps one copy (src/batch/pool.ts, workerFile).
  entries.push({ name: 'batch-worker', out: 'batch-worker.cjs', entry: 'src/batch/worker.ts' })
  return entries
}

/** Path from a bundle's folder back to dist/, e.g. '../' for actions/x.cjs. */
function toDist(outRelative) {
  const depth = outRelative.split('/').length - 1
  return depth === 0 ? './' : '../'.repeat(depth)
}

function banner(outRelative) {
  return [
    // ES module dependencies (@azure/storage-common, under @actions/cache) read import.meta.url,
    // which esbuild leaves empty in CommonJS output; `define` points it here, at the bundle's URL.
    "var __modelshipImportMetaUrl = require('node:url').pathToFileURL(__filename).href;",
    'const __modelshipRequireOrtBinding = () => {',
    `  const file = '${toDist(outRelative)}bin/napi-v6/' + process.platform + '/' + process.arch + '/onnxruntime_binding.node';`,
    '  try { return require(file); } catch (error) {',
    "    if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`Modelship bundles onnxruntime for linux x64 only, not ${process.platform} ${process.arch}; run this on a linux x64 runner or use the CLI from source (npm install, npm run modelship)`, { cause: error });",
    "    if (error && error.code === 'MODULE_NOT_FOUND') throw new Error(`onnxruntime's native binding is missing: expected ${require('node:path').join(__dirname, file)}; ship dist/ whole (npm run build makes dist/bin)`, { cause: error });",
    '    throw error;',
    '  }',
    '};',
  ].join('\n')
}

const ortBindingPlugin = {
  name: 'onnxruntime-binding',
  setup(build) {
    build.onLoad({ filter: ORT_BINDING_FILE }, async (args) => {
      const source = await readFile(args.path, 'utf8')
      if (!ORT_BINDING_REQUIRE.test(source)) {
        throw new Error(
          `${args.path}: the native binding require changed in this onnxruntime-node version; update ORT_BINDING_REQUIRE in scripts/build.mjs`,
        )
      }
      return { contents: source.replace(ORT_BINDING_REQUIRE, '__modelshipRequireOrtBinding()'), loader: 'js' }
    })
  },
}

/**
 * Bundles the entries in memory.
 * @param {{ root?: string, entries?: Awaited<ReturnType<typeof findEntries>> }} [options]
 * @returns {Promise<Map<string, Uint8Array>>} output path relative to dist/ (forward slashes) -> bytes
 */
export async function bundle(options = {}) {
  const root = options.root ?? REPO_ROOT
  const entries = options.entries ?? (await findEntries(root))
  const files = new Map()
  // One build per entry: each bundle gets its own banner (its depth below dist/) and stays self-contained.
  for (const entry of entries) {
    const result = await esbuild.build({
      absWorkingDir: root,
      ...(entry.contents
        ? { stdin: { contents: entry.contents, resolveDir: root, sourcefile: `${entry.name}-entry.ts`, loader: 'ts' } }
        : { entryPoints: [entry.entry] }),
      outfile: join(root, 'dist', entry.out),
      bundle: true,
      platform: 'node',
      // CommonJS: Node starts it without its ES module loader and without the ES wrappers of
      // builtins (the node:fs one loads Node's stream machinery), 7% of the validate action's
      // instructions on Node 24. A runner starts one process per step.
      format: 'cjs',
      // import() (the CLI's commands, @actions/cache in train) becomes a require() in a promise, so no
      // run starts the ES module loader.
      supported: { 'dynamic-import': false },
      define: { 'import.meta.url': '__modelshipImportMetaUrl' },
      target: 'node20',
      write: false,
      logLevel: 'silent',
      legalComments: 'eof',
      charset: 'utf8',
      // Whitespace and syntax only: a third less to parse at every start, while function and class
      // names stay readable in the stack trace of an unexpected error.
      minifyWhitespace: true,
      minifySyntax: true,
      banner: { js: (entry.out === 'cli.cjs' ? '#!/usr/bin/env node\n' : '') + banner(entry.out) },
      plugins: [ortBindingPlugin, zodEnglishOnlyPlugin, yamlEsmPlugin, actionsCoreShakePlugin],
    })
    for (const file of result.outputFiles) {
      files.set(relative(join(root, 'dist'), file.path).split(sep).join('/'), file.contents)
    }
  }
  const nativeSource = join(root, NATIVE_SOURCE)
  for (const name of (await readdir(nativeSource)).sort()) {
    files.set(`${NATIVE_DIR}/${name}`, await readFile(join(nativeSource, name)))
  }
  return files
}

/**
 * Writes the bundles into `outdir` (default dist/), atomically and only where the bytes differ, and
 * removes files there that the build no longer produces.
 * @param {{ root?: string, outdir?: string, entries?: Awaited<ReturnType<typeof findEntries>> }} [options]
 * @returns {Promise<{ written: string[], removed: string[] }>}
 */
export async function build(options = {}) {
  const root = options.root ?? REPO_ROOT
  const outdir = resolve(root, options.outdir ?? 'dist')
  const files = await bundle(options)
  const written = []
  for (const [path, bytes] of files) {
    const target = join(outdir, path)
    const current = await readFile(target).catch(() => undefined)
    if (current && Buffer.compare(current, bytes) === 0) continue
    await mkdir(dirname(target), { recursive: true })
    const temp = `${target}.${process.pid}.tmp`
    await writeFile(temp, bytes, { mode: path === 'cli.cjs' ? 0o755 : 0o644 })
    await rename(temp, target)
    written.push(path)
  }
  const removed = []
  for (const path of await listFiles(outdir)) {
    if (!files.has(path)) {
      await rm(join(outdir, path))
      removed.push(path)
    }
  }
  return { written, removed }
}

/**
 * Every file under `dir`, relative to it with forward slashes, sorted; [] when `dir` does not exist.
 * @param {string} dir
 * @returns {Promise<string[]>}
 */
export async function listFiles(dir) {
  let entries
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true })
  } catch (error) {
    if (error.code === 'ENOENT') return []
    throw error
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)).split(sep).join('/'))
    .sort()
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const at = args.indexOf('--outdir')
  const outdir = resolve(at >= 0 ? args[at + 1] : join(REPO_ROOT, 'dist'))
  const shown = relative(process.cwd(), outdir) || '.'
  try {
    const { written, removed } = await build({ outdir })
    for (const path of written) console.log(`wrote ${shown}/${path}`)
    for (const path of removed) console.log(`removed ${shown}/${path}`)
    if (written.length === 0 && removed.length === 0) console.log(`${shown}/ is up to date`)
  } catch (error) {
    console.error(error.errors ? error.message : error)
    process.exitCode = 1
  }
}
