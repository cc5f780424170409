/**
 * GitHub's REST API description (from `@octokit/openapi`) as the double's referee: it finds the
 * operation a request means and checks requests and responses against the operation's schemas.
 *
 * The plain (non-dereferenced) api.github.com description is used: it parses in about 0.15 s against
 * about 1 s for the dereferenced one, and ajv resolves its `$ref`s itself. Validators compile lazily,
 * per operation, through JSON-pointer references into the one document added to ajv.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** One parameter of an operation with the JSON pointer (inside the document) to its schema. */
export interface OperationParameter {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required: boolean
  schemaPointer: string[]
  /** GitHub's marker for a path parameter that may contain `/` (a git ref, a file path). */
  multiSegment: boolean
}

/** One API operation, e.g. `repos/create-release` at `POST /repos/{owner}/{repo}/releases`. */
export interface Operation {
  operationId: string
  method: string
  template: string
  segments: string[]
  parameters: OperationParameter[]
  /** Declared statuses, e.g. `['201', '404', '422']`. */
  statuses: string[]
  /** Pointer to the JSON request-body schema, if the operation takes JSON. */
  jsonBody: string[] | undefined
  bodyRequired: boolean
  /** Content types the request body may have. */
  bodyContentTypes: string[]
  documentationUrl: string | undefined
}

/** What a request path resolved to. */
export interface RouteMatch {
  operation: Operation
  /** Decoded path parameters. */
  params: Record<string, string>
}

/** One failed check, as a path into the checked value and a message. */
export interface SchemaProblem {
  at: string
  message: string
}

/** The loaded description with its route table and lazily compiled validators. */
export class OpenApiReferee {
  private readonly byMethod = new Map<string, Operation[]>()
  private readonly byId = new Map<string, Operation>()
  private readonly validators = new Map<string, ValidateFunction>()
  private readonly ajv: Ajv
  private readonly paramAjv: Ajv

  constructor(private readonly document: JsonObject) {
    adaptNullable(document)
    this.ajv = makeAjv(false)
    // The document is added once; every validator is a pointer into it, so `$ref`s resolve in place.
    this.ajv.addSchema(document as object, 'github')
    this.paramAjv = makeAjv('array')
    this.indexOperations()
  }

  /** The operation with this id (e.g. `repos/get`); throws for an unknown id, a bug in the double. */
  operation(operationId: string): Operation {
    const found = this.byId.get(operationId)
    if (found === undefined) throw new Error(`no operation '${operationId}' in GitHub's OpenAPI description`)
    return found
  }

  /** Finds the operation for a method and raw (still percent-encoded) path; undefined if none. */
  match(method: string, rawPath: string): RouteMatch | undefined {
    const candidates = this.byMethod.get(method.toLowerCase()) ?? []
    const segments = rawPath.split('/').slice(1)
    let best: { match: RouteMatch; rank: number[] } | undefined
    for (const operation of candidates) {
      const params = matchSegments(operation, segments)
      if (params === undefined) continue
      // Literal segments beat parameters, position by position: /releases/latest over /releases/{id}.
      const rank = operation.segments.map((segment) => (segment.startsWith('{') ? 0 : 1))
      if (best === undefined || compareRanks(rank, best.rank) > 0) best = { match: { operation, params }, rank }
    }
    return best?.match
  }

  /** Checks path and query parameters; values arrive as strings and are coerced as GitHub does. */
  checkParameters(operation: Operation, params: Record<string, string>, query: Record<string, string | string[]>): SchemaProblem[] {
    const problems: SchemaProblem[] = []
    const known = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name))
    for (const name of Object.keys(query)) {
      if (!known.has(name)) problems.push({ at: `query.${name}`, message: `is not a query parameter of ${operation.operationId}` })
    }
    for (const [location, values] of [['path', params], ['query', query]] as const) {
      const declared = operation.parameters.filter((p) => p.in === location)
      if (declared.length === 0) continue
      const validate = this.compile(`${operation.operationId} ${location}`, this.paramAjv, () => ({
        type: 'object',
        properties: Object.fromEntries(declared.map((p) => [p.name, derefSchema(this.document, p.schemaPointer)])),
        required: declared.filter((p) => p.required).map((p) => p.name),
      }))
      const copy: Record<string, unknown> = { ...values }
      if (!validate(copy)) problems.push(...toProblems(validate.errors, location))
    }
    return problems
  }

  /** Checks a JSON request body; top-level fields the operation does not know are problems too. */
  checkBody(operation: Operation, body: unknown): SchemaProblem[] {
    const pointer = operation.jsonBody
    if (pointer === undefined) return []
    const validate = this.compile(`${operation.operationId} body`, this.ajv, () => ({ $ref: refTo(pointer) }))
    const problems = validate(body) ? [] : toProblems(validate.errors, 'body')
    const schema = derefSchema(this.document, pointer)
    if (isObject(body) && isObject(schema) && isObject(schema.properties) && schema.additionalProperties === undefined) {
      for (const key of Object.keys(body)) {
        if (!(key in schema.properties)) problems.push({ at: `body.${key}`, message: `is not a field of ${operation.operationId}` })
      }
    }
    return problems
  }

  /**
   * Checks a response body against the schema declared for its status. Statuses ≥ 400 the operation
   * does not declare (401, 403, 5xx) pass unchecked: GitHub may send those from any endpoint.
   */
  checkResponse(operation: Operation, status: number, body: unknown, contentType: string | undefined): SchemaProblem[] {
    const key = String(status)
    if (!operation.statuses.includes(key)) {
      return status >= 400 ? [] : [{ at: 'status', message: `${status} is not a status ${operation.operationId} answers` }]
    }
    const response = resolveRef(this.document, ['paths', operation.template, operation.method, 'responses', key])
    const content = isObject(response.value) && isObject(response.value.content) ? response.value.content : undefined
    if (content === undefined) {
      // Error answers carry GitHub's error JSON even where the description declares no content.
      if (body === undefined || status >= 400) return []
      return [{ at: 'body', message: `${status} of ${operation.operationId} has no body, but one was sent` }]
    }
    if (!('application/json' in content)) return []
    if (contentType !== undefined && !contentType.startsWith('application/json')) {
      return [{ at: 'content-type', message: `is '${contentType}', expected application/json` }]
    }
    const pointer = [...response.pointer, 'content', 'application/json', 'schema']
    const validate = this.compile(`${operation.operationId} ${key}`, this.ajv, () => ({ $ref: refTo(pointer) }))
    return validate(body) ? [] : toProblems(validate.errors, 'response')
  }

  private compile(key: string, ajv: Ajv, schema: () => object): ValidateFunction {
    let validate = this.validators.get(key)
    if (validate === undefined) {
      validate = ajv.compile(schema())
      this.validators.set(key, validate)
    }
    return validate
  }

  private indexOperations(): void {
    const paths = this.document.paths
    if (!isObject(paths)) throw new Error('the OpenAPI description has no paths')
    for (const [template, item] of Object.entries(paths)) {
      if (!isObject(item)) continue
      const shared = Array.isArray(item.parameters) ? item.parameters : []
      for (const method of METHODS) {
        const op = item[method]
        if (!isObject(op) || typeof op.operationId !== 'string') continue
        const own = Array.isArray(op.parameters) ? op.parameters : []
        const parameters = [
          ...shared.map((_, index) => this.readParameter(['paths', template, 'parameters', String(index)])),
          ...own.map((_, index) => this.readParameter(['paths', template, method, 'parameters', String(index)])),
        ]
        const body = isObject(op.requestBody) ? resolveRef(this.document, ['paths', template, method, 'requestBody']) : undefined
        const bodyContent = body !== undefined && isObject(body.value) && isObject(body.value.content) ? body.value.content : {}
        const externalDocs = isObject(op.externalDocs) && typeof op.externalDocs.url === 'string' ? op.externalDocs.url : undefined
        const operation: Operation = {
          operationId: op.operationId,
          method,
          template,
          segments: template.split('/').slice(1),
          parameters,
          statuses: isObject(op.responses) ? Object.keys(op.responses) : [],
          jsonBody: body !== undefined && 'application/json' in bodyContent ? [...body.pointer, 'content', 'application/json', 'schema'] : undefined,
          bodyRequired: body !== undefined && isObject(body.value) && body.value.required === true,
          bodyContentTypes: Object.keys(bodyContent),
          documentationUrl: externalDocs,
        }
        this.byId.set(operation.operationId, operation)
        const list = this.byMethod.get(method) ?? []
        list.push(operation)
        this.byMethod.set(method, list)
      }
    }
  }

  private readParameter(base: string[]): OperationParameter {
    const { value, pointer } = resolveRef(this.document, base)
    if (!isObject(value) || typeof value.name !== 'string' || typeof value.in !== 'string') {
      throw new Error(`unreadable parameter ${base.join('/')} in the OpenAPI description`)
    }
    return {
      name: value.name,
      in: value.in as OperationParameter['in'],
      required: value.required === true,
      schemaPointer: [...pointer, 'schema'],
      multiSegment: value['x-multi-segment'] === true,
    }
  }
}

function matchSegments(operation: Operation, segments: string[]): Record<string, string> | undefined {
  const template = operation.segments
  const last = operation.parameters.find((p) => p.in === 'path' && p.multiSegment && template[template.length - 1] === `{${p.name}}`)
  if (segments.length !== template.length && !(last !== undefined && segments.length > template.length)) return undefined
  const params: Record<string, string> = {}
  for (let i = 0; i < template.length; i++) {
    const want = template[i] as string
    const isLast = i === template.length - 1
    const got = isLast && last !== undefined ? segments.slice(i).join('/') : segments[i]
    if (got === undefined || got === '') return undefined
    let decoded: string
    try {
      decoded = decodeURIComponent(got)
    } catch {
      return undefined
    }
    if (want.startsWith('{') && want.endsWith('}')) params[want.slice(1, -1)] = decoded
    else if (want !== decoded) return undefined
  }
  return params
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number)
  }
  return a.length - b.length
}

function makeAjv(coerceTypes: false | 'array'): Ajv {
  // OpenAPI 3.0 schemas carry keywords JSON Schema does not know (example, x-github, discriminator …).
  const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, logger: false, coerceTypes, useDefaults: false })
  addFormats.default(ajv)
  // GitHub sends "" for unset URL fields it documents with default "" (deployment status target_url …).
  const uri = ajv.formats.uri
  if (typeof uri === 'function') ajv.addFormat('uri', (value: string) => value === '' || uri(value))
  // Formats OpenAPI names that ajv-formats lacks; GitHub uses them as documentation only.
  for (const format of ['int32', 'int64', 'double', 'float', 'binary', 'repo.nwo', 'ssh-key', 'byte']) ajv.addFormat(format, true)
  return ajv
}

function refTo(pointer: string[]): string {
  return 'github#/' + pointer.map((part) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')
}

function lookup(document: Json, pointer: string[]): Json | undefined {
  let node: Json | undefined = document
  for (const part of pointer) {
    if (Array.isArray(node)) node = node[Number(part)]
    else if (isObject(node)) node = node[part]
    else return undefined
  }
  return node
}

/** Follows `$ref`s (`#/components/...`) from a pointer, returning the final node and where it lives. */
function resolveRef(document: JsonObject, pointer: string[]): { value: Json | undefined; pointer: string[] } {
  let current = pointer
  for (let hops = 0; hops < 10; hops++) {
    const value = lookup(document, current)
    if (!isObject(value) || typeof value.$ref !== 'string') return { value, pointer: current }
    current = value.$ref.replace(/^#\//, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
  }
  throw new Error(`$ref chain too long at ${pointer.join('/')}`)
}

/** A copy of a small schema with its `$ref`s inlined (parameter schemas are small and acyclic). */
function derefSchema(document: JsonObject, pointer: string[], depth = 0): Json {
  if (depth > 20) throw new Error(`schema at ${pointer.join('/')} nests too deep to inline`)
  const { value } = resolveRef(document, pointer)
  return inline(document, value ?? {}, depth)
}

function inline(document: JsonObject, node: Json, depth: number): Json {
  if (Array.isArray(node)) return node.map((item) => inline(document, item, depth))
  if (!isObject(node)) return node
  if (typeof node.$ref === 'string') {
    const pointer = node.$ref.replace(/^#\//, '').split('/').map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    return derefSchema(document, pointer, depth + 1)
  }
  // A parameter arrives as a string and is coerced; under oneOf, "123" would fit both integer and string.
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key === 'oneOf' ? 'anyOf' : key, inline(document, value, depth)]))
}

function toProblems(errors: ErrorObject[] | null | undefined, root: string): SchemaProblem[] {
  return (errors ?? []).map((error) => {
    const path = error.instancePath
      .split('/')
      .slice(1)
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    const at = [root, ...path].join('.')
    const detail =
      error.keyword === 'enum' ? `${error.message} (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : error.message
    return { at, message: detail ?? 'is invalid' }
  })
}

/**
 * OpenAPI 3.0's `nullable` as ajv reads it: ajv accepts `nullable` only beside `type`, and does not add
 * null to an `enum`. GitHub writes `{ nullable: true, oneOf: [...] }` and nullable enums, so those are
 * rewritten in place once: `anyOf: [{ type: 'null' }, rest]`, and `null` joins the enum.
 */
function adaptNullable(node: Json): void {
  if (Array.isArray(node)) {
    for (const item of node) adaptNullable(item)
    return
  }
  if (!isObject(node)) return
  for (const value of Object.values(node)) adaptNullable(value)
  if (node.nullable !== true) return
  if (Array.isArray(node.enum) && !node.enum.includes(null)) node.enum.push(null)
  if (node.type !== undefined) return
  const rest: JsonObject = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'nullable' || key === 'description' || key === 'title') continue
    rest[key] = value
    delete node[key]
  }
  delete node.nullable
  node.anyOf = [{ type: 'null' }, rest]
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

let cached: OpenApiReferee | undefined

/** The referee for api.github.com, loaded once per process (about 0.3 s) and shared by all doubles. */
export function loadGitHubOpenApi(): OpenApiReferee {
  if (cached === undefined) {
    const require = createRequire(import.meta.url)
    const packageDir = dirname(require.resolve('@octokit/openapi/package.json'))
    const file = join(packageDir, 'generated', 'api.github.com.json')
    cached = new OpenApiReferee(JSON.parse(readFileSync(file, 'utf8')) as JsonObject)
  }
  return cached
}
