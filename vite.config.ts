/**
 * The window's build: src/renderer → dist/renderer with relative asset paths, so Electron can load
 * it from file:// and the headless server from /. The CSP goes into index.html as a <meta> at build
 * time only (the dev server injects inline scripts that a strict policy would block).
 */
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { CONTENT_SECURITY_POLICY } from './src/shared/csp.js'

function cspMeta(): Plugin {
  return {
    name: 'cradle-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' }],
  }
}

export default defineConfig({
  root: 'src/renderer',
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir: '../../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    // Chromium (Electron and browsers) preloads modules natively; the polyfill is dead weight.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
})
