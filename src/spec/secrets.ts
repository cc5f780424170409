/**
 * Finds values in a spec that look like literal secrets. A spec is committed, shown in pull
 * requests and copied into release assets, so a secret in it is leaked; the fix is always to store
 * it as a repository secret and refer to it by name. Messages never repeat the value: at most the
 * well-known, non-secret prefix of a token kind (`ghp_...`).
 */
import type { PathSegment } from './yaml-source.js'

/** One value that looks like a secret, and how to say so without showing it. */
export interface SecretFinding {
  path: PathSegment[]
  /** Where the finding points: the key (a secret used as a key) or the value. */
  target: 'key' | 'value'
  message: string
}

interface TokenPattern {
  what: string
  pattern: RegExp
  /** The non-secret prefix a message may show. */
  shown: (match: RegExpExecArray) => string
}

const TOKEN_PATTERNS: readonly TokenPattern[] = [
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_)[A-Za-z0-9]{30,}/, shown: (m) => m[1]! },
  { what: 'a GitHub fine-grained token', pattern: /\b(github_pat_)[A-Za-z0-9_]{30,}/, shown: (m) => m[1]! },
  { what: 'an AWS access key id', pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/, shown: (m) => m[1]! },
  { what: 'a private key', pattern: /-----BEGIN ((?:[A-Z]+ )*)PRIVATE KEY-----/, shown: () => '-----BEGIN' },
  { what: 'a Slack token', pattern: /\b(xox[abposr]-)[A-Za-z0-9-]{10,}/, shown: (m) => m[1]! },
  { what: 'a Google API key', pattern: /\b(AIza)[0-9A-Za-z_-]{35}\b/, shown: (m) => m[1]! },
  { what: 'an API secret key', pattern: /\b(sk-(?:proj-|ant-)?)[A-Za-z0-9_-]{20,}/, shown: (m) => m[1]! },
  { what: 'a connection string with a password', pattern: /\b([a-z][a-z0-9+.-]*:\/\/)[^\s:/@]+:[^\s@/]+@/i, shown: (m) => m[1]! },
  {
    what: 'a password assignment',
    pattern: /\b(password|passwd|pwd|secret|token|api[_-]?key)\s*[=:]\s*(?![$%{<])[^\s&;,'"]{4,}/i,
    shown: (m) => `${m[1]!}=`,
  },
]

/** Words in a key name that mark its value as a credential. */
const SECRET_KEY_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'pwd', 'apikey', 'key', 'credential', 'credentials', 'auth', 'passphrase'])
/** Words that make a key a reference to a secret (its name, file or variable), not the secret. */
const REFERENCE_KEY_WORDS = new Set(['name', 'names', 'file', 'path', 'env', 'var', 'variable', 'id', 'ref', 'secret-name', 'length', 'size', 'count', 'rows', 'features'])
const PASSWORD_KEYS = new Set(['password', 'passwd', 'pwd', 'passphrase'])

function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .split(/[-_.\s]+/)
    .filter(Boolean)
}

/** A reference to a secret rather than the secret: `${{ secrets.X }}`, `$VAR`, `${VAR}`, `MY_TOKEN`. */
function isReference(value: string): boolean {
  return /^\$/.test(value) || /^%\w+%$/.test(value) || /^[A-Z][A-Z0-9_]*$/.test(value) || /secrets\./.test(value)
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>()
  for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1)
  let bits = 0
  for (const count of counts.values()) {
    const p = count / value.length
    bits -= p * Math.log2(p)
  }
  return bits
}

const FIX = 'a spec is committed and shown in pull requests: remove it (and revoke it), store it as a repository secret, and pass its name instead, e.g. as an environment variable the command reads'

function tokenFinding(value: string): string | undefined {
  for (const { what, pattern, shown } of TOKEN_PATTERNS) {
    const match = pattern.exec(value)
    if (match) return `this value looks like ${what} ('${shown(match)}...'); ${FIX}`
  }
  return undefined
}

function keyedFinding(key: string, value: string): string | undefined {
  const words = keyWords(key)
  if (words.some((word) => REFERENCE_KEY_WORDS.has(word))) return undefined
  if (!words.some((word) => SECRET_KEY_WORDS.has(word)) || isReference(value)) return undefined
  if (words.some((word) => PASSWORD_KEYS.has(word)) && value.length >= 4) {
    return `'${key}' holds a literal password; ${FIX}`
  }
  if (value.length >= 16 && !/\s/.test(value) && entropy(value) >= 3.3) {
    return `'${key}' holds what looks like a literal secret (${value.length} random-looking characters); ${FIX}`
  }
  return undefined
}

const SECRET_FLAG = /^--?[\w-]*(password|passwd|secret|token|api[-_]?key)$/i

/** Every value in `data` that looks like a literal secret. */
export function findSecrets(data: unknown): SecretFinding[] {
  const findings: SecretFinding[] = []
  const visit = (value: unknown, path: PathSegment[], key: string | undefined): void => {
    if (typeof value === 'string') {
      const message = tokenFinding(value) ?? (key === undefined ? undefined : keyedFinding(key, value))
      if (message) findings.push({ path, target: 'value', message })
      return
    }
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        const previous = value[index - 1]
        // argv: `--password hunter2` carries the secret in the item after the flag.
        if (typeof item === 'string' && typeof previous === 'string' && SECRET_FLAG.test(previous) && !isReference(item) && item.length >= 4) {
          findings.push({ path: [...path, index], target: 'value', message: `the argument after '${previous}' is a literal secret; ${FIX}` })
          return
        }
        visit(item, [...path, index], key)
      })
      return
    }
    if (value !== null && typeof value === 'object') {
      for (const [childKey, child] of Object.entries(value)) {
        const message = tokenFinding(childKey)
        if (message) findings.push({ path: [...path, childKey], target: 'key', message: message.replace('this value', 'this key') })
        else visit(child, [...path, childKey], childKey)
      }
    }
  }
  visit(data, [], undefined)
  return findings
}
