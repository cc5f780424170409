/**
 * Registry tags as value objects, in GTO's grammar (iterative/gto `gto/constants.py`), so a GTO user
 * can read a Modelship registry and the other way round:
 *
 * | tag                      | meaning                                   |
 * | ------------------------ | ----------------------------------------- |
 * | `churn@v1.3.0`           | version v1.3.0 registered (annotated)     |
 * | `churn@v1.3.0!`          | version v1.3.0 deregistered               |
 * | `churn#production#7`     | stage production assigned (7th tag)       |
 * | `churn#production!#8`    | stage production unassigned               |
 * | `churn@deprecated`       | model deprecated                          |
 * | `dir=churn@v1.3.0`       | model `dir:churn` of a monorepo           |
 *
 * Every tag may carry a `#N` counter; GTO writes one on stage and deprecation tags.
 * Only this module takes tag strings apart or puts them together.
 */
import { UsageError } from '../errors.js'
import { SemVer, SEMVER_PATTERN } from './semver.js'

// GTO's grammar in full (gto/constants.py `name`, `dirname`): uppercase letters and '_' included, so
// a registry GTO wrote (`churn_v2`, `Churn`, `churn#prod_eu#1`) is read whole. What Modelship itself
// writes is narrower anyway: model names come from spec folders and stages from the spec.
const NAME = '[a-zA-Z0-9](?:[a-zA-Z0-9/_-]*[a-zA-Z0-9])?'
const DIRNAME = '[a-zA-Z0-9_./-]+'
const NAME_RE = new RegExp(`^${NAME}$`)
const FULLNAME_RE = new RegExp(`^(?:(${DIRNAME})[:=])?(${NAME})$`)
// The version part is matched loosely here and checked by SemVer.tryParse, so a name is read by
// two small regular expressions instead of one large one (listing thousands of tags stays cheap).
const TAG_RE = new RegExp(
  `^(?:(${DIRNAME})=)?(${NAME})` +
    `(?:(?:#(${NAME})|@(v[0-9][0-9A-Za-z.+-]*))(!?)|@(deprecated|created))` +
    `(?:#([0-9]+))?$`,
)
const SHORTCUT_RE = new RegExp(`^((?:${DIRNAME}[:=])?${NAME})(?:#(${NAME})|@(latest|greatest|v${SEMVER_PATTERN}))$`)

const NAME_RULE = "letters, digits, '-', '_' and '/', starting and ending with a letter or digit (GTO's naming rule)"

/** Git's own ref-name rules (git check-ref-format) that GTO's grammar alone lets through. */
function isGitSafe(text: string): boolean {
  if (text.startsWith('/') || text.endsWith('/') || text.endsWith('.')) return false
  if (text.includes('..') || text.includes('//')) return false
  return text.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'))
}

const parsedNames = new Map<string, ModelName>()

/** A model's name: `churn`, or `dir:churn` in a monorepo (written `dir=churn` inside tags). */
export class ModelName {
  private constructor(
    /** The monorepo folder part, if any. */
    readonly dir: string | undefined,
    /** The name proper. */
    readonly base: string,
  ) {}

  /** Parses `churn`, `dir:churn` or the tag form `dir=churn`; throws UsageError naming the rule. */
  static parse(text: string): ModelName {
    const known = parsedNames.get(text)
    if (known) return known
    const m = FULLNAME_RE.exec(text)
    const parsed = m ? new ModelName(m[1], m[2]!) : undefined
    if (!parsed || !isGitSafe(parsed.tagPart)) {
      throw new UsageError(
        `'${text}' is not a model name: use ${NAME_RULE}, optionally after a folder and ':' as in 'models/churn:churn'`,
      )
    }
    // A registry has few models and many tags each: remember parsed names (bounded).
    if (parsedNames.size >= 10_000) parsedNames.clear()
    parsedNames.set(text, parsed)
    return parsed
  }

  /** The form a tag carries: `dir=churn` or `churn`. */
  get tagPart(): string {
    return this.dir === undefined ? this.base : `${this.dir}=${this.base}`
  }

  /** True when both name the same model. */
  equals(other: ModelName): boolean {
    return this.tagPart === other.tagPart
  }

  /** `dir:churn` or `churn`: the form users type. */
  toString(): string {
    return this.dir === undefined ? this.base : `${this.dir}:${this.base}`
  }
}

/** Checks a stage name against GTO's naming rule; throws UsageError. */
export function assertStageName(stage: string): string {
  if (!NAME_RE.test(stage)) throw new UsageError(`'${stage}' is not a stage name: use ${NAME_RULE}, e.g. 'production'`)
  return stage
}

function counterPart(counter: number | undefined): string {
  return counter === undefined ? '' : `#${counter}`
}

/** A version tag `churn@v1.3.0`, or its deregistration `churn@v1.3.0!`. */
export class ModelTag {
  readonly kind = 'version'
  constructor(
    readonly model: ModelName,
    readonly version: SemVer,
    /** True for the `!` form that withdraws the version. */
    readonly deregistration = false,
    readonly counter: number | undefined = undefined,
  ) {}

  /** Parses a version or deregistration tag; throws UsageError on any other text. */
  static parse(text: string): ModelTag {
    const tag = parseRegistryTag(text)
    if (tag?.kind !== 'version') {
      throw new UsageError(`'${text}' is not a version tag: expected <model>@v<major>.<minor>.<patch>, e.g. churn@v1.3.0`)
    }
    return tag
  }

  /** `churn@v1.3.0`, `churn@v1.3.0!`. */
  toString(): string {
    return `${this.model.tagPart}@${this.version}${this.deregistration ? '!' : ''}${counterPart(this.counter)}`
  }
}

/** A stage tag `churn#production#7`, or its unassignment `churn#production!#8`. */
export class StageTag {
  readonly kind = 'stage'
  constructor(
    readonly model: ModelName,
    readonly stage: string,
    /** Orders tags of one model; GTO writes the highest counter of the model plus one. */
    readonly counter: number | undefined,
    /** True for the `!` form that takes the stage off the version. */
    readonly unassignment = false,
  ) {
    assertStageName(stage)
  }

  /** Parses an assignment or unassignment tag; throws UsageError on any other text. */
  static parse(text: string): StageTag {
    const tag = parseRegistryTag(text)
    if (tag?.kind !== 'stage') {
      throw new UsageError(`'${text}' is not a stage tag: expected <model>#<stage>#<n>, e.g. churn#production#7`)
    }
    return tag
  }

  /** `churn#production#7`, `churn#production!#8`. */
  toString(): string {
    return `${this.model.tagPart}#${this.stage}${this.unassignment ? '!' : ''}${counterPart(this.counter)}`
  }
}

/** The deprecation tag `churn@deprecated` (optionally with a counter). */
export class DeprecationTag {
  readonly kind = 'deprecation'
  constructor(
    readonly model: ModelName,
    readonly counter: number | undefined = undefined,
  ) {}

  /** `churn@deprecated`. */
  toString(): string {
    return `${this.model.tagPart}@deprecated${counterPart(this.counter)}`
  }
}

/** Any tag the registry reads. */
export type RegistryTag = ModelTag | StageTag | DeprecationTag

/**
 * Parses any registry tag; undefined for tags that are not ours (release tags, GTO's `@created`).
 * Never throws, so it can sift a repository's whole tag list.
 */
export function parseRegistryTag(text: string): RegistryTag | undefined {
  try {
    return parseTagMatch(TAG_RE.exec(text))
  } catch {
    // The grammar matched but git or semver limits did not (e.g. `a..b=x@v1.0.0`): not a tag we can use.
    return undefined
  }
}

function parseTagMatch(m: RegExpExecArray | null): RegistryTag | undefined {
  if (!m) return undefined
  const [, dir, base, stage, version, cancel, special, counterText] = m
  const model = ModelName.parse(dir === undefined ? base! : `${dir}=${base}`)
  const counter = counterText === undefined ? undefined : Number(counterText)
  if (counter !== undefined && !Number.isSafeInteger(counter)) return undefined
  if (stage !== undefined) return new StageTag(model, stage, counter, cancel === '!')
  if (version !== undefined) {
    const parsed = SemVer.tryParse(version)
    return parsed ? new ModelTag(model, parsed, cancel === '!', counter) : undefined
  }
  if (special === 'deprecated') return new DeprecationTag(model, counter)
  return undefined
}

// The shape of a registry tag whose rest does not parse: a model name, then `@v<digit>`, `#` or `@deprecated`.
const LOOKS_REGISTRY_RE = new RegExp(`^(?:${DIRNAME}=)?${NAME}(?:@v[0-9]|#|@deprecated)`)

/**
 * Why a tag that looks like a registry tag is not one (so the caller can warn rather than drop it
 * silently); undefined for tags that are read, and for tags that are plainly not the registry's
 * (`v1.0.0`, `release-2024`). GTO's `@created` tags are reported too: they are GTO's, but not read.
 */
export function unreadableTagReason(text: string): string | undefined {
  // GTO's `<model>@created` marks an artifact's creation; Modelship has no such event, so say it is skipped.
  if (TAG_RE.exec(text)?.[6] === 'created') return "it is GTO's creation tag (<model>@created), an event Modelship does not record, so the registry skips it"
  if (!LOOKS_REGISTRY_RE.test(text) || parseRegistryTag(text) !== undefined) return undefined
  return `it is not in GTO's tag grammar (<model>@vX.Y.Z with a semantic version, <model>#<stage>#N, <model>@deprecated, each optionally with '!' or '#N'), so the registry skips it`
}

/** What a model reference points at. */
export type ModelSelector =
  | { kind: 'model' }
  | { kind: 'latest' }
  | { kind: 'version'; version: SemVer }
  | { kind: 'stage'; stage: string }

/**
 * A reference users type: `churn` (the model), `churn@latest` (highest active version; `@greatest`
 * too, as in GTO), `churn@v1.2.3`, `churn#production`. Monorepo names as `dir:churn` or `dir=churn`.
 */
export class ModelRef {
  private constructor(
    readonly model: ModelName,
    readonly selector: ModelSelector,
  ) {}

  /** Parses a reference; throws UsageError with the accepted forms. */
  static parse(text: string): ModelRef {
    const m = SHORTCUT_RE.exec(text)
    if (m) {
      const [, name, stage, version] = m
      const model = ModelName.parse(name!)
      if (stage !== undefined) return new ModelRef(model, { kind: 'stage', stage })
      if (version === 'latest' || version === 'greatest') return new ModelRef(model, { kind: 'latest' })
      return new ModelRef(model, { kind: 'version', version: SemVer.parse(version!) })
    }
    if (FULLNAME_RE.test(text)) return new ModelRef(ModelName.parse(text), { kind: 'model' })
    throw new UsageError(
      `'${text}' is not a model reference: expected <model>, <model>@latest, <model>@v1.2.3 or <model>#<stage>, e.g. churn#production`,
    )
  }

  /** `churn#production`, `churn@v1.2.3`, `churn@latest` or `churn`. */
  toString(): string {
    const s = this.selector
    if (s.kind === 'stage') return `${this.model}#${s.stage}`
    if (s.kind === 'version') return `${this.model}@${s.version}`
    if (s.kind === 'latest') return `${this.model}@latest`
    return this.model.toString()
  }
}
