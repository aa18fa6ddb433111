import type { CliCommand } from '../command.js'
import { afcCommand } from './afc.js'
import { backupCommand } from './backup.js'
import { demoCommand } from './demo.js'
import { destinationCommand } from './destination.js'
import { devicesCommand } from './devices.js'
import { openCommand } from './open.js'
import { pairCommand } from './pair.js'
import { serveCommand } from './serve.js'
import { simCommand } from './sim.js'
import { statusCommand } from './status.js'
import { verifyCommand } from './verify.js'

/** Every `cradle` subcommand, in the order `cradle --help` lists them (design.md's order). */
export const COMMANDS: CliCommand[] = [demoCommand, serveCommand, openCommand, backupCommand, devicesCommand, pairCommand, statusCommand, verifyCommand, destinationCommand, simCommand, afcCommand]
