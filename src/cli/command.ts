/**
 * The shape of a `modelship` command. Each command is one module in src/cli/commands/ that exports a
 * `CliCommand` made with `defineCommand`; the table in commands/index.ts lists them, and the runner
 * derives parsing, help text and did-you-mean suggestions from these declarations.
 */

/** Where a command writes; `cwd` is where relative paths start. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  cwd: string
}

/** One `--option`: string options take a value, boolean ones are flags. */
export interface CliOption {
  type: 'string' | 'boolean'
  /** One-letter alias, without the dash. */
  short?: string
  /** Shown in help after the option, e.g. `<ref>`. */
  valueName?: string
  description: string
  /** The only values accepted (checked by the parser, with a did-you-mean). */
  choices?: readonly string[]
  /** Default shown in help and used when the option is absent. */
  default?: string
  /** May be given more than once; the values arrive as an array. */
  multiple?: boolean
}

type OptionValue<O extends CliOption> = O['type'] extends 'boolean'
  ? boolean
  : O['multiple'] extends true
    ? string[]
    : string

/** Parsed option values by option name (`changed-since` stays as written). */
export type CliValues<Options extends Record<string, CliOption>> = {
  [K in keyof Options]: Options[K]['default'] extends string ? OptionValue<Options[K]> : OptionValue<Options[K]> | undefined
}

/** A command's declaration and behaviour. */
export interface CliCommand<Options extends Record<string, CliOption> = Record<string, CliOption>> {
  name: string
  /** One line for the command list. */
  summary: string
  /** What follows `modelship <name>` in the usage line, e.g. `[paths...] [options]`. */
  usage: string
  /** Paragraph(s) shown in `modelship <name> --help`. */
  description: string
  /** Positional arguments, for help. */
  arguments?: readonly { name: string; description: string }[]
  options: Options
  /** Most positional arguments accepted; unlimited when unset. */
  maxPositionals?: number
  /** Lines shown under "Examples:" in help. */
  examples?: readonly string[]
  /** Runs the command; resolves to the exit code (0 success, 1 failure). */
  run(args: { values: CliValues<Options>; positionals: string[] }, io: CliIo): Promise<number>
}

/** Declares a command with typed option values. */
export function defineCommand<const Options extends Record<string, CliOption>>(command: CliCommand<Options>): CliCommand {
  return command as unknown as CliCommand
}
