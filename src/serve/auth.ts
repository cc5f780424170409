/**
 * Bearer tokens: several at once so a token can be rotated (add the new one, move clients, drop the
 * old), read from an environment variable or a file, compared in constant time. Tokens are never
 * logged or echoed in an error.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { UsageError } from '../errors.js'

/** A set of accepted tokens; empty means the routes it guards are open. */
export class TokenSet {
  private readonly digests: Buffer[]

  constructor(tokens: readonly string[]) {
    // Digests make every comparison the same length, so timingSafeEqual leaks neither content nor length.
    this.digests = tokens.map((t) => createHash('sha256').update(t).digest())
  }

  /** How many tokens are accepted. */
  get size(): number {
    return this.digests.length
  }

  /** Whether the Authorization header carries one of the tokens; checks all of them, never stopping early. */
  accepts(authorization: string | undefined): boolean {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '')
    const given = createHash('sha256').update(match?.[1] ?? '').digest()
    let ok = false
    for (const digest of this.digests) ok = timingSafeEqual(digest, given) || ok
    return ok && match !== null
  }
}

/** Tokens from a list text: one per line or comma-separated, blank lines and `#` comments ignored. */
export function parseTokens(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/** Reads tokens from `file` (when given) and the variable `envName`; UsageError when the file cannot be read. */
export async function readTokens(envName: string, file: string | undefined, env: NodeJS.ProcessEnv): Promise<TokenSet> {
  const tokens = parseTokens(env[envName] ?? '')
  if (file !== undefined) {
    try {
      tokens.push(...parseTokens(await readFile(file, 'utf8')))
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new UsageError(`could not read the token file ${file} (${code ?? String(error)}); check the path and its permissions`)
    }
  }
  for (const token of tokens) {
    if (token.length < 16) throw new UsageError(`a token from ${file ?? envName} is shorter than 16 characters; use a long random one, e.g. openssl rand -hex 32`)
  }
  return new TokenSet(tokens)
}
