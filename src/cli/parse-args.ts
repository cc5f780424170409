/**
 * Parses a command's arguments with node:util parseArgs (non-strict, with tokens) and checks them
 * ourselves, so every mistake becomes a UsageError that names the bad argument and suggests the
 * closest valid one.
 */
import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'
import { didYouMean } from '../spec/did-you-mean.js'
import type { CliCommand, CliOption } from './command.js'

/** `--help`/`-h`, accepted by every command. */
export const HELP_OPTION: CliOption = { type: 'boolean', short: 'h', description: 'show this help' }

/** Parsed arguments: option values (defaults applied) and positionals. */
export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
}

/** Parses `argv` (the arguments after the command name) against the command's declared options. */
export function parseCommandArgs(command: CliCommand, argv: string[]): ParsedArgs {
  const declared: Record<string, CliOption> = { ...command.options, help: HELP_OPTION }
  const config = Object.fromEntries(
    Object.entries(declared).map(([name, option]) => [
      name,
      { type: option.type, ...(option.short ? { short: option.short } : {}), ...(option.multiple ? { multiple: true } : {}) },
    ]),
  )
  const { values, positionals, tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true })
  const known = Object.keys(declared).map((name) => `--${name}`)
  for (const token of tokens) {
    if (token.kind !== 'option') continue
    const option = declared[token.name]
    if (!option) {
      throw new UsageError(`unknown option '${token.rawName}'${didYouMean(`--${token.name}`, known)}`)
    }
    if (option.type === 'string' && token.value === undefined) {
      throw new UsageError(`option '${token.rawName}' needs a value${option.valueName ? ` ${option.valueName}` : ''}`)
    }
    if (option.type === 'boolean' && token.inlineValue) {
      throw new UsageError(`option '${token.rawName}' is a flag and takes no value; got '${token.value}'`)
    }
    if (option.choices && typeof token.value === 'string' && !option.choices.includes(token.value)) {
      throw new UsageError(
        `option '${token.rawName}' must be one of ${option.choices.join(', ')}; got '${token.value}'${didYouMean(token.value, option.choices)}`,
      )
    }
  }
  if (command.maxPositionals !== undefined && positionals.length > command.maxPositionals) {
    const extra = positionals.slice(command.maxPositionals).map((p) => `'${p}'`).join(', ')
    throw new UsageError(`too many arguments: ${extra}; 'modelship ${command.name}' takes at most ${command.maxPositionals}`)
  }
  const result: ParsedArgs['values'] = {}
  for (const [name, option] of Object.entries(declared)) {
    const value = values[name]
    result[name] = value === undefined ? option.default : value
  }
  return { values: result, positionals }
}
