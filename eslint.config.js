import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const noElectron = {
  name: 'electron',
  message: 'Only electron/main and electron/preload may import Electron; core services stay plain Node.',
};

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'test-results/**', '.test-home/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['electron/core/**', 'electron/engine/**', 'electron/shared/**', 'electron/cli/**'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron], patterns: [{ group: ['electron/*'], message: noElectron.message }] }] },
  },
  {
    // One-way arrows: core drives the engine process only through its client (spawn-engine),
    // and is driven by main, cli and the composition root, never the other way round.
    files: ['electron/core/**'],
    ignores: ['electron/core/app-core.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['electron/*'], message: noElectron.message },
            { group: ['**/engine/*', '!**/engine/spawn-engine'], message: 'core talks to the engine process through engine/spawn-engine only; share code through electron/shared.' },
            { group: ['**/main/**', '**/cli/**', '**/app-core'], message: 'core services do not import the shells or the composition root; take what you need as a parameter.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/engine/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['electron/*'], message: noElectron.message },
            { group: ['**/core/**', '**/main/**', '**/cli/**', '**/renderer/**'], message: 'The engine is a standalone process: it imports only electron/shared and its own files.' },
          ],
        },
      ],
    },
  },
  {
    files: ['electron/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [{ group: ['**/core/**', '**/main/**', '**/cli/**', '**/engine/**', 'node:*'], message: 'shared/ is the pure contract: no services, no Node APIs.' }],
        },
      ],
    },
  },
  {
    files: ['renderer/src/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            {
              group: ['**/electron/core/**', '**/electron/main/**', '**/electron/cli/**', '**/electron/engine/**', '**/electron/preload/**', 'node:*', 'dockerode', 'ws'],
              message: 'The renderer talks to the app only through the contract in electron/shared.',
            },
          ],
        },
      ],
    },
  },
);
