/** Import for its side effect: destination tests log retries by design; keep the output readable (CRADLE_LOG=debug overrides). */
import { configureLogging } from '../../src/main/logging/logger.js'

if (!process.env.CRADLE_LOG) configureLogging({ level: 'silent' })
