/**
 * `modelship` argument dispatch: global flags, the command table, help, and the mapping of failures
 * to exit codes: 0 success, 1 failure (invalid specs, a ModelshipError, or a bug), 2 usage error.
 */
import { UsageError, isUserError } from '../errors.js'
import { didYouMean } from '../spec/did-you-mean.js'
import type { CliCommand, CliIo } from './command.js'
import { COMMANDS } from './commands/index.js'
import { describeCode } from './output-paths.js'
import { parseCommandArgs } from './parse-args.js'
import { commandHelp, mainHelp, usageLine } from './usage.js'
import { VERSION } from './version.js'

/** Exit code of a usage error (bad command, option or argument). */
export const EXIT_USAGE = 2

/** Runs the CLI with `argv` (the arguments after `modelship`); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined) {
    io.err(`modelship: missing command\n\n${mainHelp(commands)}`)
    return EXIT_USAGE
  }
  if (first === '--help' || first === '-h') {
    io.out(mainHelp(commands))
    return 0
  }
  if (first === '--version' || first === '-V') {
    io.out(`${VERSION}\n`)
    return 0
  }
  if (first === 'help') return help(rest[0], io, commands)
  if (first.startsWith('-')) {
    io.err(`modelship: unknown option '${first}'${didYouMean(first, ['--help', '--version'])}\n\n${mainHelp(commands)}`)
    return EXIT_USAGE
  }
  const command = commands.find((c) => c.name === first)
  if (!command) {
    const names = commands.map((c) => c.name)
    io.err(`modelship: unknown command '${first}'${didYouMean(first, names)}\n\n${mainHelp(commands)}`)
    return EXIT_USAGE
  }
  try {
    const args = parseCommandArgs(command, rest)
    if (args.values.help === true) {
      io.out(commandHelp(command))
      return 0
    }
    return await command.run(args as Parameters<CliCommand['run']>[0], io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`modelship ${command.name}: ${error.message}\n\n${usageLine(command)}\nRun 'modelship ${command.name} --help' for the options.\n`)
      return EXIT_USAGE
    }
    if (isUserError(error)) {
      io.err(`modelship ${command.name}: ${error.message}\n`)
      return 1
    }
    // A filesystem error no check before it named (a disk that filled, a folder made read-only
    // meanwhile) is the user's to fix too: its path and cause, not a stack trace.
    const fsMessage = filesystemMessage(error)
    if (fsMessage !== undefined) {
      io.err(`modelship ${command.name}: ${fsMessage}\n`)
      return 1
    }
    const stack = error instanceof Error ? (error.stack ?? error.message) : String(error)
    io.err(`modelship ${command.name}: unexpected error (a bug in Modelship; please report it with this output):\n${stack}\n`)
    return 1
  }
}

function help(name: string | undefined, io: CliIo, commands: readonly CliCommand[]): number {
  if (name === undefined) {
    io.out(mainHelp(commands))
    return 0
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    io.err(`modelship help: unknown command '${name}'${didYouMean(name, commands.map((c) => c.name))}\n\n${mainHelp(commands)}`)
    return EXIT_USAGE
  }
  io.out(commandHelp(command))
  return 0
}

const FS_VERBS: Readonly<Record<string, string>> = {
  open: 'open',
  mkdir: 'create the folder',
  rename: 'move',
  rmdir: 'remove',
  unlink: 'remove',
  write: 'write',
  read: 'read',
  scandir: 'list',
  stat: 'look at',
  lstat: 'look at',
  copyfile: 'copy',
  cp: 'copy',
  chmod: 'change the mode of',
  chown: 'change the owner of',
  symlink: 'link',
}

/** `cannot <verb> '<path>': <cause>` for a Node filesystem error (one with a code, syscall and path), else undefined. */
export function filesystemMessage(error: unknown): string | undefined {
  const { code, syscall, path, dest } = (error ?? {}) as NodeJS.ErrnoException & { dest?: string }
  if (typeof code !== 'string' || typeof syscall !== 'string' || typeof path !== 'string' || !/^E[A-Z]+$/.test(code)) return undefined
  const target = dest === undefined ? `'${path}'` : `'${path}' to '${dest}'`
  return `cannot ${FS_VERBS[syscall] ?? syscall} ${target}: ${describeCode(code)}`.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
