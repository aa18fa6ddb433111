/**
 * Preload of the sandboxed window. Bundled to CommonJS (dist/preload/index.cjs) because a
 * sandboxed preload cannot be an ES module and may require only `electron`.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { exposeBridge } from './bridge.js'

exposeBridge(contextBridge, ipcRenderer)
