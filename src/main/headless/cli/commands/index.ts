import type { CliCommand } from '../command.js'
import { demoCommand } from './demo.js'
import { simCommand } from './sim.js'

/** Every `cradle` subcommand, in the order `cradle --help` lists them. */
export const COMMANDS: CliCommand[] = [demoCommand, simCommand]
