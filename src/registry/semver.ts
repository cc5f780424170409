/**
 * Semantic versions as GTO writes them in tags (`v1.2.3`, optionally `-pre.1` and `+build`).
 * Precedence follows semver.org §11; build metadata never affects order.
 */
import { UsageError } from '../errors.js'

const NUMBER = '0|[1-9]\\d*'
const IDENT = '(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)'
/** The semver grammar GTO uses (gto/constants.py), without anchors, so tag patterns can embed it. */
export const SEMVER_PATTERN =
  `(?:${NUMBER})\\.(?:${NUMBER})\\.(?:${NUMBER})(?:-${IDENT}(?:\\.${IDENT})*)?(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?`
const SEMVER_RE = new RegExp(
  `^v(${NUMBER})\\.(${NUMBER})\\.(${NUMBER})(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$`,
)

/** Which part of the version a registration increments; `patch` is the default. */
export type VersionBump = 'major' | 'minor' | 'patch'

/** An immutable semantic version; `toString()` gives the tag form with the leading `v`. */
export class SemVer {
  private constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
    readonly prerelease: readonly string[],
    readonly build: string | undefined,
  ) {}

  /** The first version of every model: v0.0.1. */
  static readonly FIRST = new SemVer(0, 0, 1, [], undefined)

  /** Parses `v1.2.3[-pre][+build]`; throws UsageError on anything else. */
  static parse(text: string): SemVer {
    const parsed = SemVer.tryParse(text)
    if (!parsed) {
      throw new UsageError(
        `'${text}' is not a version: expected v<major>.<minor>.<patch> such as v1.2.3 (a leading 'v', no leading zeros)`,
      )
    }
    return parsed
  }

  /** Like `parse`, but answers undefined instead of throwing. */
  static tryParse(text: string): SemVer | undefined {
    const m = SEMVER_RE.exec(text)
    if (!m) return undefined
    const [, major, minor, patch, pre, build] = m
    const parts = [Number(major), Number(minor), Number(patch)]
    if (!parts.every(Number.isSafeInteger)) return undefined
    return new SemVer(parts[0]!, parts[1]!, parts[2]!, pre ? pre.split('.') : [], build)
  }

  /** The next version after this one; a prerelease is dropped and the core still bumped, so it stays unique. */
  bump(part: VersionBump): SemVer {
    if (part === 'major') return new SemVer(this.major + 1, 0, 0, [], undefined)
    if (part === 'minor') return new SemVer(this.major, this.minor + 1, 0, [], undefined)
    return new SemVer(this.major, this.minor, this.patch + 1, [], undefined)
  }

  /** Negative, zero or positive as this version has lower, equal or higher precedence than `other`. */
  compare(other: SemVer): number {
    const core = this.major - other.major || this.minor - other.minor || this.patch - other.patch
    if (core !== 0) return Math.sign(core)
    // A version without prerelease outranks any prerelease of the same core.
    if (this.prerelease.length === 0 || other.prerelease.length === 0) {
      return Math.sign(other.prerelease.length - this.prerelease.length)
    }
    const n = Math.max(this.prerelease.length, other.prerelease.length)
    for (let i = 0; i < n; i++) {
      const a = this.prerelease[i]
      const b = other.prerelease[i]
      if (a === undefined) return -1
      if (b === undefined) return 1
      if (a === b) continue
      const an = /^\d+$/.test(a)
      const bn = /^\d+$/.test(b)
      if (an && bn) return Math.sign(Number(a) - Number(b))
      if (an) return -1
      if (bn) return 1
      return a < b ? -1 : 1
    }
    return 0
  }

  /** True when both print the same (build metadata included). */
  equals(other: SemVer): boolean {
    return this.toString() === other.toString()
  }

  /** `v1.2.3[-pre][+build]`. */
  toString(): string {
    // Immutable, and printed for every map key and comparison of thousands of tags: kept once made.
    if (this.text === undefined) {
      const pre = this.prerelease.length > 0 ? `-${this.prerelease.join('.')}` : ''
      const build = this.build ? `+${this.build}` : ''
      this.text = `v${this.major}.${this.minor}.${this.patch}${pre}${build}`
    }
    return this.text
  }

  private text: string | undefined = undefined
}
