import tseslint from 'typescript-eslint'

const electronOnly = {
  name: 'electron',
  message: 'Only src/main/electron and src/preload may import electron; take an interface from engine/ports.ts instead.',
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['src/**', 'test/**', 'bench/**'],
    ignores: ['src/main/electron/**', 'src/preload/**', 'test/unit/electron/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [electronOnly] }] },
  },
  {
    // The contract loads in main, preload and renderer: it may import only itself.
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [
        { group: ['node:*', 'fs', 'path', 'os', 'net', 'react', 'react-dom', 'zustand', '../main/*', '../renderer/*', '../sim/*', '../preload/*'],
          message: 'src/shared imports only src/shared.' },
      ] }],
    },
  },
  {
    // The renderer runs in a sandboxed page: no Node, no device, no engine.
    files: ['src/renderer/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [
        { group: ['node:*', '../main/*', '../../main/*', '../sim/*', '../../sim/*'], message: 'The renderer talks to the engine only through the Transport.' },
      ] }],
    },
  },
  {
    // The device layer knows nothing about the library, engine or UI.
    files: ['src/main/device/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronOnly], patterns: [
        { group: ['../library/*', '../../library/*', '../engine/*', '../../engine/*', '../destinations/*', '../../destinations/*', '../headless/*', '../../headless/*'],
          message: 'device/ must not depend on the layers above it.' },
      ] }],
    },
  },
)
