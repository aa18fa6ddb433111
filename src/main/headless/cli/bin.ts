// The process entry of `cradle` (bin/cradle.js loads the built copy; tests run this file with tsx).
import { main } from './main.js'

await main()
