/**
 * `modelship train --param NAME=VALUE`: one-off changes to train.params, as `dvc exp run -S` and
 * `mlflow run -P` take them. VALUE is read as a YAML value (`0.5` is a number, `true` a boolean,
 * `[1, 2]` a list, `adam` a string; quote it to keep a number as text: `'"0.5"'`).
 */
import { parse } from 'yaml'
import { UsageError } from '../errors.js'
import { suggest } from '../spec/did-you-mean.js'

/**
 * Parses `--param` values against the spec's params: each NAME must be one of them (a typo would
 * otherwise train with the spec's value unnoticed); the last of repeated names wins. Throws a
 * {@link UsageError} that says what is wrong and the fix.
 */
export function parseParamOverrides(given: readonly string[], declared: Readonly<Record<string, unknown>>, specFile: string): Record<string, unknown> {
  const overrides: Record<string, unknown> = {}
  const known = Object.keys(declared)
  for (const text of given) {
    const equals = text.indexOf('=')
    const name = equals === -1 ? '' : text.slice(0, equals).trim()
    if (equals === -1 || name === '') {
      throw new UsageError(`--param '${text}' is not NAME=VALUE; write it as e.g. --param ${known[0] ?? 'C'}=0.5`)
    }
    if (!Object.hasOwn(declared, name)) {
      const close = suggest(name, known)
      throw new UsageError(
        `--param ${name}: train.params of ${specFile} has no '${name}' (${known.length > 0 ? `it has ${known.join(', ')}` : 'it has none'})` +
          (close !== undefined ? `; did you mean '${close}'?` : '.') +
          ' A new param goes into train.params first, so every run has a value for it',
      )
    }
    const raw = text.slice(equals + 1)
    let value: unknown
    try {
      value = raw.trim() === '' ? '' : parse(raw)
    } catch (error) {
      throw new UsageError(`--param ${name}: '${raw}' is not a YAML value (${(error as Error).message.split('\n')[0]}); quote text, e.g. --param ${name}='"${raw}"'`)
    }
    overrides[name] = value
  }
  return overrides
}
