/** Help texts, derived from the command table so they cannot drift from what the parser accepts. */
import type { CliCommand, CliOption } from './command.js'
import { HELP_OPTION } from './parse-args.js'

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length))
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n')
}

function optionLabel(name: string, option: CliOption): string {
  const flag = `${option.short ? `-${option.short}, ` : '    '}--${name}`
  if (option.type === 'boolean') return flag
  return `${flag} ${option.valueName ?? (option.choices ? `<${option.choices.join('|')}>` : '<value>')}`
}

function optionText(option: CliOption): string {
  return option.default === undefined ? option.description : `${option.description} (default: ${option.default})`
}

/** `Usage: modelship <name> <usage>`. */
export function usageLine(command: CliCommand): string {
  return `Usage: modelship ${command.name} ${command.usage}`.trimEnd()
}

/** The full help of one command. */
export function commandHelp(command: CliCommand): string {
  const parts = [usageLine(command), '', command.description]
  if (command.arguments?.length) {
    parts.push('', 'Arguments:', columns(command.arguments.map((a) => [a.name, a.description] as const)))
  }
  const options = { ...command.options, help: HELP_OPTION }
  parts.push('', 'Options:', columns(Object.entries(options).map(([name, o]) => [optionLabel(name, o), optionText(o)] as const)))
  if (command.examples?.length) parts.push('', 'Examples:', command.examples.map((e) => `  ${e}`).join('\n'))
  return `${parts.join('\n')}\n`
}

/** The top-level help: every command with its summary. */
export function mainHelp(commands: readonly CliCommand[]): string {
  return [
    'modelship: GitOps for machine learning on GitHub Actions',
    '',
    'Usage: modelship <command> [options]',
    '',
    'Commands:',
    columns(commands.map((c) => [c.name, c.summary] as const)),
    '',
    'Options:',
    columns([
      ['-h, --help', 'show this help'],
      ['-V, --version', 'print the version'],
    ]),
    '',
    "Run 'modelship <command> --help' for a command's arguments and options.",
    '',
  ].join('\n')
}
