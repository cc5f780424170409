/** The command table: one module per command; add a command by adding its module here. */
import type { CliCommand } from '../command.js'

/** Every `modelship` command, in the order help lists them. */
export const COMMANDS: readonly CliCommand[] = []
