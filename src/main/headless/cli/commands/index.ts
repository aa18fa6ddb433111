import type { CliCommand } from '../command.js'
import { afcCommand } from './afc.js'
import { demoCommand } from './demo.js'
import { devicesCommand } from './devices.js'
import { pairCommand } from './pair.js'
import { simCommand } from './sim.js'

/** Every `cradle` subcommand, in the order `cradle --help` lists them. */
export const COMMANDS: CliCommand[] = [demoCommand, devicesCommand, pairCommand, simCommand, afcCommand]
