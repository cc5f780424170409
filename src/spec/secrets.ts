/**
 * Finds values in a spec that look like literal secrets. A spec is committed, shown in pull
 * requests and copied into release assets, so a secret in it is leaked; the fix is always to store
 * it as a repository secret and refer to it by name. Messages never repeat the value: at most the
 * well-known, non-secret prefix of a token kind (`ghp_...`), and redactSecrets strips any token
 * from every problem's text before it is shown. The corpus in test/spec/secret-corpus.ts holds
 * a case for each format and for the look-alikes that must pass.
 */
import type { PathSegment } from './yaml-source.js'

/** One value that looks like a secret, and how to say so without showing it. */
export interface SecretFinding {
  path: PathSegment[]
  /** Where the finding points: the key (a secret used as a key) or the value. */
  target: 'key' | 'value'
  message: string
}

/** One token format: rules as data, so adding a format is one entry (and a corpus case). */
interface TokenRule {
  /** What a message calls it: 'a GitHub token'. */
  what: string
  /**
   * Global, every quantifier bounded so a long value cannot make it backtrack for long; group 1
   * is the format's public prefix, the only part a message may show (empty when it has none).
   */
  pattern: RegExp
  /** A second look at a match the pattern alone would over-report. */
  verify?: (match: RegExpExecArray) => boolean
}

const notReference = (value: string | undefined) => value !== undefined && !/^[$%{<]/.test(value)

/** Whether a Basic credential decodes to `user:password` (and is not a word like 'classification'). */
function isBasicCredential(match: RegExpExecArray): boolean {
  const decoded = Buffer.from(match[0].slice(match[1]!.length), 'base64').toString('utf8')
  return /^[\x20-\x7e]+:[\x20-\x7e]+$/.test(decoded)
}

/**
 * Token formats as their issuers publish them (the same families gitleaks' and secretlint's
 * recommended rules cover). Each names what it found and shows only the format's public prefix.
 */
const TOKEN_RULES: readonly TokenRule[] = [
  { what: 'a GitHub token', pattern: /\b(gh[pousr]_)[A-Za-z0-9]{30,255}/g },
  { what: 'a GitHub fine-grained token', pattern: /\b(github_pat_)[A-Za-z0-9_]{22,255}/g },
  { what: 'a GitLab token', pattern: /\b(gl(?:pat|dt|rt|ptt|cbt|ft|soat|agent)-)[A-Za-z0-9_-]{20,64}/g },
  { what: 'an AWS access key id', pattern: /\b((?:AKIA|ASIA|ABIA|ACCA))[A-Z0-9]{16}\b/g },
  { what: 'a private key', pattern: /(-----BEGIN) (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----/g },
  { what: 'a Slack token', pattern: /\b(xox[abposre]-)[A-Za-z0-9-]{10,250}/g },
  { what: 'a Google API key', pattern: /\b(AIza)[0-9A-Za-z_-]{35}/g },
  { what: 'a Stripe key', pattern: /\b((?:sk|rk|pk)_(?:live|test)_)[0-9A-Za-z]{10,250}/g },
  { what: 'an npm token', pattern: /\b(npm_)[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { what: 'a Hugging Face token', pattern: /\b(hf_)[A-Za-z0-9]{30,40}(?![A-Za-z0-9])/g },
  { what: 'an API secret key', pattern: /\b(sk-(?:proj-|ant-(?:api03-)?|svcacct-)?)[A-Za-z0-9_-]{20,250}/g },
  { what: 'a JSON Web Token', pattern: /\b(eyJ)[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{2,4096}\.[A-Za-z0-9_-]{8,4096}/g },
  { what: 'a Bearer credential', pattern: /\b(Bearer\s)[A-Za-z0-9._~+/-]{16,4096}={0,2}/gi },
  { what: 'a Basic credential', pattern: /\b(Basic\s)[A-Za-z0-9+/]{8,1024}={0,2}(?![A-Za-z0-9+/=])/g, verify: isBasicCredential },
  { what: 'an Azure account key', pattern: /\b((?:Account|SharedAccess)Key=)[A-Za-z0-9+/]{20,200}={0,2}/gi },
  { what: 'an Azure SAS signature', pattern: /([?&]sig=)[A-Za-z0-9%+/]{20,200}(?:=|%3D){0,2}/gi },
  {
    what: 'a connection string with a password',
    pattern: /\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s:/@]{1,200}:([^\s@/]{1,200})@/gi,
    verify: (match) => notReference(match[2]),
  },
  {
    what: 'an AWS secret access key',
    // 40 characters of base64 with both cases, a digit and a '/' or '+': not a path, hash or word.
    pattern: /(?<![A-Za-z0-9/+])()[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
    verify: (match) => /[A-Z]/.test(match[0]) && /[a-z]/.test(match[0]) && /[0-9]/.test(match[0]) && /[/+]/.test(match[0]) && !/\/\//.test(match[0]) && entropy(match[0]) >= 4,
  },
  {
    what: 'a password assignment',
    pattern: /\b((?:password|passwd|pwd|secret|token|api[_-]?key)\s{0,5}[=:])\s{0,5}(?![$%{<])[^\s&;,'"]{4,200}/gi,
  },
]

/** Every match of every rule in `text`, in no particular order. */
function tokenMatches(text: string): Array<{ rule: TokenRule; match: RegExpExecArray }> {
  const found: Array<{ rule: TokenRule; match: RegExpExecArray }> = []
  for (const rule of TOKEN_RULES) {
    rule.pattern.lastIndex = 0
    for (let match = rule.pattern.exec(text); match; match = rule.pattern.exec(text)) {
      if (!rule.verify || rule.verify(match)) found.push({ rule, match })
      if (match[0] === '') rule.pattern.lastIndex++
    }
  }
  return found
}

/** `text` with every secret-looking token replaced by its public prefix and '…', for echoing safely. */
export function redactSecrets(text: string): string {
  const matches = tokenMatches(text).sort((a, b) => a.match.index - b.match.index)
  if (matches.length === 0) return text
  let out = ''
  let at = 0
  for (const { match } of matches) {
    if (match.index < at) continue
    out += `${text.slice(at, match.index)}${match[1] ?? ''}…`
    at = match.index + match[0].length
  }
  return out + text.slice(at)
}

/** Words in a key name that mark its value as a credential. */
const SECRET_KEY_WORDS = new Set(['token', 'secret', 'password', 'passwd', 'pwd', 'apikey', 'key', 'credential', 'credentials', 'auth', 'passphrase'])
/** Words that make a key a reference to a secret (its name, file or variable), not the secret. */
const REFERENCE_KEY_WORDS = new Set(['name', 'names', 'file', 'path', 'env', 'var', 'variable', 'id', 'ref', 'secret-name', 'length', 'size', 'count', 'rows', 'features', 'dir', 'directory', 'folder', 'policy', 'rule', 'rules', 'age', 'days', 'min', 'max'])
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
  const [first] = tokenMatches(value).sort((a, b) => a.match.index - b.match.index)
  if (!first) return undefined
  const prefix = first.match[1]
  return `this value looks like ${first.rule.what}${prefix ? ` ('${prefix}...')` : ''}; ${FIX}`
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
    // YAML reads `password: 123456` as a number; it is still a literal password.
    if ((typeof value === 'number' || typeof value === 'bigint') && key !== undefined && keyWords(key).some((word) => PASSWORD_KEYS.has(word))) {
      value = String(value)
    }
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
