/**
 * Reads a spec file as YAML while keeping every node's position, so each problem can point at the
 * exact key or value. A spec comes from pull requests, so it refuses, before the costly steps,
 * what a spec never needs and a parser should not chew on: files over 256 KiB, several documents,
 * nesting past 64 levels, more than 20,000 keys and items or 100 aliases (yaml-prescan.ts and
 * checkShape), an alias inside its own anchor, alias expansion past 100 nodes ("billion laughs").
 * Every step is linear in the file's size, and at most MAX_PROBLEMS syntax errors are read.
 */
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Composer, LineCounter, Parser, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml'
import { MAX_DEPTH, MAX_ENTRIES, prescanYaml } from './yaml-prescan.js'
import type { SpecProblem } from './problem.js'

/**
 * Largest spec file read, in bytes (256 KiB). Real specs are a few KB (the examples 1.2-1.4 KB); at
 * 1 MiB even a valid spec took 2.5 s to validate on a loaded runner, at 256 KiB every input up to
 * the limit, hostile shapes included, stays well under a second (bench/validate-worst.ts).
 */
export const MAX_SPEC_BYTES = 256 * 1024

/** Most nodes one alias may expand to when the document becomes plain data (the yaml default). */
export const MAX_ALIAS_COUNT = 100

/** Most aliases one file may hold. */
export const MAX_ALIASES = 100

/** Most problems reported for one file; the rest are counted in one closing line. */
export const MAX_PROBLEMS = 100

const tooDeepMessage = `nests mappings and lists more than ${MAX_DEPTH} levels deep; a spec needs a few: flatten it`
// Digits grouped by hand: toLocaleString at module load starts ICU, 10-15 ms of every validate run.
const tooManyMessage = `holds more than ${String(MAX_ENTRIES).replace(/\B(?=(\d{3})+$)/g, ',')} keys and list items; a spec has a few hundred: it describes data, it does not hold it`
const documentsMessage = (count: number) =>
  `holds ${count} YAML documents (separated by '---'); a spec file holds one: move the others to their own files`

/** A key or list index on the way from the document root to a node. */
export type PathSegment = string | number

/** Where in the YAML a problem points: the key of the pair (unknown keys) or its value (bad values). */
export type ProblemTarget = 'key' | 'value'

/** A parsed spec file: its plain data when usable, problems found while reading, and node positions. */
export interface YamlSource {
  /** Repository-relative path with forward slashes. */
  file: string
  /** The document as plain data; undefined when the file could not be read as one YAML mapping. */
  data: Record<string, unknown> | undefined
  /** Problems found while reading and parsing (syntax, duplicates, aliases, shape of the document). */
  problems: SpecProblem[]
  /** Builds a problem located at the node at `path` (or its nearest existing ancestor). */
  problemAt(path: readonly PathSegment[], message: string, options?: { target?: ProblemTarget; severity?: SpecProblem['severity'] }): SpecProblem
}

/** `evaluate.gates[0].metric`; keys that are not plain words are quoted: `params["a b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z0-9_-]+$/.test(segment)) text += text ? `.${segment}` : segment
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

function describeTopLevel(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'an empty value'
  if (typeof value === 'string') return `the string '${value.length > 40 ? `${value.slice(0, 37)}...` : value}'`
  return `the ${typeof value} ${String(value)}`
}

function pairKey(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key)
}

function formatSize(bytes: number): string {
  const size = bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`
  return `${size} (${bytes.toLocaleString('en-US')} bytes)`
}

const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  BLOCK_AS_IMPLICIT_KEY: "quote a value that contains ': '",
  MULTILINE_IMPLICIT_KEY: "put each key on one line; quote a value that contains ': '",
  MISSING_CHAR: 'close the quote or bracket',
  BAD_INDENT: 'check the indentation here and close any bracket opened above',
}

type MapNode = Extract<Node, { items: unknown[] }> & { items: Array<{ key: unknown; value: unknown }> }
const pairIndex = new WeakMap<object, Map<string, { key: unknown; value: unknown }>>()

/** A mapping's pairs by key (the last of duplicates, as plain data has it), built once per mapping so locating problems stays linear. */
function pairsOf(node: MapNode): Map<string, { key: unknown; value: unknown }> {
  let pairs = pairIndex.get(node)
  if (!pairs) {
    pairs = new Map()
    for (const pair of node.items) pairs.set(pairKey(pair.key), pair)
    pairIndex.set(node, pairs)
  }
  return pairs
}

/** Parses spec text. Never throws for bad input: everything wrong ends up in `problems`. */
export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter()
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset)
    return { line, column: col }
  }
  let document: Document.Parsed | undefined
  const problems: SpecProblem[] = []
  // Echoed text is made safe (safe-text.ts) when problems are reported: validate.ts capProblems.
  const make = (line: number, column: number, path: string, message: string, severity: SpecProblem['severity'] = 'error'): SpecProblem => ({
    file,
    line,
    column,
    path,
    message,
    severity,
  })

  const resolvedAliases = new Map<unknown, unknown>()
  /** The node at `path`, following aliases; with the pair key when the last step was a map key. */
  const nodeAt = (path: readonly PathSegment[]): { node: unknown; key?: unknown; depth: number; keys: unknown[] } => {
    let node: unknown = document?.contents
    let key: unknown
    const keys: unknown[] = []
    let depth = 0
    for (const segment of path) {
      if (isAlias(node) && document) {
        // Each resolve scans the document: once per alias is enough.
        if (!resolvedAliases.has(node)) resolvedAliases.set(node, node.resolve(document))
        node = resolvedAliases.get(node)
      }
      let next: unknown
      let nextKey: unknown
      if (isMap(node)) {
        const pair = pairsOf(node).get(String(segment))
        if (pair === undefined) break
        ;[next, nextKey] = [pair.value, pair.key]
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        next = node.items[segment]
        nextKey = next
      } else break
      keys.push(nextKey)
      node = next
      key = nextKey
      depth++
    }
    return { node, key, depth, keys }
  }

  const offsetOf = (node: unknown): number | undefined => {
    const range = (node as Node | undefined)?.range
    return range ? range[0] : undefined
  }

  const problemAt: YamlSource['problemAt'] = (path, message, options = {}) => {
    const found = nodeAt(path)
    let offset: number | undefined
    if (found.depth < path.length) {
      // The node does not exist (a missing key): point at the key of the closest existing parent.
      offset = offsetOf(found.keys.at(-1)) ?? offsetOf(found.node)
    } else if (options.target === 'key') {
      offset = offsetOf(found.key) ?? offsetOf(found.node)
    } else {
      // An empty value (`key:`) has no text of its own; the key is where the eye goes.
      const empty = isScalar(found.node) && found.node.value === null && !found.node.source
      offset = (empty ? offsetOf(found.key) : undefined) ?? offsetOf(found.node) ?? offsetOf(found.key)
    }
    const { line, column } = offset === undefined ? { line: 1, column: 1 } : position(offset)
    return make(line, column, formatPath(path), message, options.severity)
  }

  const source: YamlSource = { file, data: undefined, problems, problemAt }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text

  // Refuse a second document, runaway nesting and too many nodes before parsing: parsing them is the slow part.
  const prescan = prescanYaml(body)
  // The parser fills lineCounter; before it runs, count lines by hand.
  const before = (offset: number) => {
    let line = 1
    let start = 0
    for (let at = body.indexOf('\n'); at >= 0 && at < offset; at = body.indexOf('\n', at + 1)) [line, start] = [line + 1, at + 1]
    return { line, column: offset - start + 1 }
  }
  if (prescan.secondDocument !== undefined) {
    const { line, column } = before(prescan.secondDocument)
    problems.push(make(line, column, '', documentsMessage(prescan.documents)))
    return source
  }
  if (prescan.tooDeep !== undefined) {
    const { line, column } = before(prescan.tooDeep)
    problems.push(make(line, column, '', tooDeepMessage))
    return source
  }
  if (prescan.tooMany !== undefined) {
    const { line, column } = before(prescan.tooMany)
    problems.push(make(line, column, '', tooManyMessage))
    return source
  }

  let documents: Document.Parsed[]
  let truncated = false
  // yaml makes each syntax error and warning an Error; capturing a stack for each of thousands
  // (a custom tag on every line) costs more than parsing, and nobody reads those stacks.
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    // The parser yields each stray token as its own error; past the cap the rest is not parsed,
    // since only the first problems are reported anyway.
    const tokens = []
    let errors = 0
    for (const token of new Parser(lineCounter.addNewLine).parse(body)) {
      tokens.push(token)
      if (token.type === 'error' && ++errors >= MAX_PROBLEMS) {
        truncated = true
        break
      }
    }
    // prettyErrors would copy the source line into every error: quadratic on one long line.
    documents = [...new Composer({ uniqueKeys: false, prettyErrors: false }).compose(tokens, true, body.length)] as Document.Parsed[]
  } catch (error) {
    problems.push(make(1, 1, '', `cannot be parsed as YAML (${(error as Error).message}); simplify the file`))
    return source
  } finally {
    Error.stackTraceLimit = stackTraceLimit
  }
  document = documents[0]
  if (!document || (document.contents === null && documents.length === 1 && document.errors.length === 0)) {
    problems.push(make(1, 1, '', `is empty; expected a spec starting with 'apiVersion: modelship/v1'`))
    return source
  }

  const seen = new Set<number>()
  for (const parsed of documents) {
    for (const issue of [...parsed.errors, ...parsed.warnings]) {
      const { line, column } = position(issue.pos[0])
      // One message a line: the parser's follow-on errors after the first are noise.
      if (seen.has(line)) continue
      seen.add(line)
      const reason = issue.message.replace(/\.$/, '')
      const tag = issue.code === 'TAG_RESOLVE_FAILED' ? /Unresolved tag: (\S+)/.exec(reason)?.[1] : undefined
      const hint = SYNTAX_HINTS[issue.code]
      const message = tag
        ? `custom tag '${tag}' is not supported; remove it and write a plain YAML value`
        : `YAML syntax error: ${reason}${hint ? `; ${hint}` : ''}`
      problems.push(make(line, column, '', message))
    }
  }
  if (truncated) {
    problems.push(make(position(body.length).line, 1, '', `stopped reading after ${MAX_PROBLEMS} YAML syntax errors; fix these and validate again`))
  }
  if (problems.length > 0) return source
  // The pre-scan finds a second document on every real spec; should one slip past it (a quote it
  // read as open), the parser still tells.
  if (documents.length > 1) {
    const { line, column } = position(documents[1]!.range[0])
    problems.push(make(line, column, '', documentsMessage(documents.length)))
    return source
  }

  const shape = checkShape(document)
  if (shape) {
    const { line, column } = position(shape.offset)
    problems.push(make(line, column, '', shape.message))
    return source
  }

  findDuplicateKeys(document.contents, [], (path, key, first) => {
    const where = position(offsetOf(first) ?? 0)
    const at = position(offsetOf(key) ?? 0)
    problems.push(make(at.line, at.column, formatPath(path), `duplicate key '${String(path.at(-1))}' (first at line ${where.line}); keep one of them`))
  })

  let data: unknown
  try {
    data = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    const alias = firstAlias(document.contents)
    const { line, column } = alias ? position(offsetOf(alias) ?? 0) : { line: 1, column: 1 }
    const text = (error as Error).message
    const unresolved = /Unresolved alias.*: (\S+)$/.exec(text)?.[1]
    const reason = /alias count/i.test(text)
      ? `aliases expand to too many nodes (more than ${MAX_ALIAS_COUNT} for one alias), as in a 'billion laughs' attack; write the values out instead of nesting aliases`
      : unresolved
        ? `alias '*${unresolved}' names no anchor; define '&${unresolved}' on a value above it, or write the value out`
        : `cannot be read as data (${text}); simplify the file`
    problems.push(make(line, column, '', reason))
    return source
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const { line, column } = position(offsetOf(document.contents) ?? 0)
    problems.push(make(line, column, '', `expected a mapping of keys (apiVersion, kind, name, ...) at the top level, found ${describeTopLevel(data)}`))
    return source
  }
  source.data = data as Record<string, unknown>
  return source
}

/**
 * What would make turning the document into data slow or impossible, found in one walk without
 * recursion (so depth cannot overflow the stack): a node nested past MAX_DEPTH, a collection of
 * more than MAX_ENTRIES entries, more than
 * MAX_ALIASES aliases (yaml resolves each alias by a scan of the document's anchors), and an alias
 * inside the value its anchor names (`a: &r {b: *r}`, a value that contains itself).
 */
function checkShape(document: Document.Parsed): { offset: number; message: string } | undefined {
  const anchors = new Map<string, Node>()
  let aliases = 0
  // Pre-order in document order, so an alias sees the anchors before it, as YAML resolves them.
  const stack: Array<[node: unknown, depth: number]> = [[document.contents, 0]]
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!
    if (isAlias(node)) {
      const offset = node.range?.[0] ?? 0
      if (++aliases > MAX_ALIASES) {
        return { offset, message: `holds more than ${MAX_ALIASES} aliases ('*name'); write the values out instead of repeating aliases` }
      }
      const target = anchors.get(node.source)
      const range = (target as Node | undefined)?.range
      if (range && offset >= range[0] && offset < range[2]) {
        return {
          offset,
          message: `alias '*${node.source}' is inside the value its anchor names, so the value would contain itself; write the value out instead of the alias`,
        }
      }
      continue
    }
    const anchor = (node as { anchor?: string } | null)?.anchor
    if (anchor) anchors.set(anchor, node as Node)
    if (!isMap(node) && !isSeq(node)) continue
    if (depth >= MAX_DEPTH) return { offset: node.range?.[0] ?? 0, message: tooDeepMessage }
    // The pre-scan counts entries closely but not exactly; zod cannot list issues past ~100,000.
    if (node.items.length > MAX_ENTRIES) return { offset: node.range?.[0] ?? 0, message: tooManyMessage }
    for (let index = node.items.length - 1; index >= 0; index--) {
      const item = node.items[index]
      if (isPair(item)) stack.push([item.value, depth + 1], [item.key, depth + 1])
      else stack.push([item, depth + 1])
    }
  }
  return undefined
}

function findDuplicateKeys(node: unknown, path: PathSegment[], report: (path: PathSegment[], key: unknown, first: unknown) => void): void {
  if (isMap(node)) {
    const firstKeys = new Map<string, unknown>()
    for (const pair of node.items) {
      if (!isPair(pair)) continue
      const key = pairKey(pair.key)
      const first = firstKeys.get(key)
      if (first !== undefined) report([...path, key], pair.key, first)
      else firstKeys.set(key, pair.key)
      findDuplicateKeys(pair.value, [...path, key], report)
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => findDuplicateKeys(item, [...path, index], report))
  }
}

function firstAlias(node: unknown): unknown {
  if (isAlias(node)) return node
  const children = isMap(node) ? node.items.flatMap((pair) => [pair.key, pair.value]) : isSeq(node) ? node.items : []
  for (const child of children) {
    const found = firstAlias(child)
    if (found) return found
  }
  return undefined
}

/** Reads and parses `file` (repository-relative) under `root`, refusing files over MAX_SPEC_BYTES before reading them. */
export async function readYamlSource(root: string, file: string): Promise<YamlSource> {
  const fail = (message: string): YamlSource => {
    const source = parseYamlSource('', file)
    source.problems.splice(0, source.problems.length, { file, line: 1, column: 1, path: '', message, severity: 'error' })
    return source
  }
  const absolute = join(root, file)
  let size: number
  try {
    const info = await stat(absolute)
    if (!info.isFile()) return fail('is not a file; expected a YAML spec file')
    size = info.size
  } catch (error) {
    return fail(unreadable(error, file))
  }
  if (size > MAX_SPEC_BYTES) {
    return fail(
      `is ${formatSize(size)}; the limit is ${MAX_SPEC_BYTES / 1024} KiB (${MAX_SPEC_BYTES.toLocaleString('en-US')} bytes): a spec describes data, it does not hold it; ` +
        'keep long lists (features, params grids) and embedded data in files the spec names',
    )
  }
  let text: string
  try {
    text = await readFile(absolute, 'utf8')
  } catch (error) {
    return fail(unreadable(error, file))
  }
  return parseYamlSource(text, file)
}

/** Why a spec file could not be read: missing is one thing, unreadable (permissions, a link loop) another. */
function unreadable(error: unknown, file: string): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ENOTDIR') return `does not exist; expected a YAML spec file at ${file}`
  return `could not be read (${code ?? (error as Error).message}); check that it is a readable file, not a broken or looping link`
}
