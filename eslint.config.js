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
