/** The command table: one module per command; add a command by adding its module here. */
import type { CliCommand } from '../command.js'
import { batchScoreCommand } from './batch-score.js'
import { doctorCommand } from './doctor.js'
import { demoCommand } from './demo.js'
import { deployCommand } from './deploy.js'
import { driftCommand } from './drift.js'
import { evaluateCommand } from './evaluate.js'
import { initCommand } from './init.js'
import { registryCommand } from './registry.js'
import { k8sCommand } from './render-k8s.js'
import { reportCommand } from './report.js'
import { retireCommand } from './retire.js'
import { rollbackCommand } from './rollback.js'
import { runsCommand } from './runs.js'
import { serveCommand } from './serve.js'
import { statusCommand } from './status.js'
import { sweepCommand } from './sweep.js'
import { trainCommand } from './train.js'
import { validateCommand } from './validate.js'

/** Every `modelship` command, in the order help lists them. */
export const COMMANDS: readonly CliCommand[] = [initCommand, validateCommand, trainCommand, runsCommand, sweepCommand, evaluateCommand, reportCommand, registryCommand, serveCommand, deployCommand, rollbackCommand, statusCommand, retireCommand, batchScoreCommand, k8sCommand, driftCommand, doctorCommand, demoCommand]
