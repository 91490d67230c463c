// Lint for the extension's TypeScript: ESLint's and typescript-eslint's recommended rules, and a few more.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['lib/', 'node_modules/', '*.tsbuildinfo'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['scripts/**/*.mjs', '*.config.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } }
  },
  {
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: {
      // REST answers and command arguments are untyped JSON; `any` is allowed where they enter.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(min|max)$/] > SpreadElement",
          message: 'Math.min/max(...array) overflows the stack on long series; loop instead (see chartdata.extent).'
        },
        {
          selector: "AssignmentExpression[left.property.name='innerHTML']",
          message: 'Build nodes with element() and text; never assign HTML (user text must stay text).'
        }
      ]
    }
  },
  {
    // The notebook widget bundles src/shared/ too (widgets_src/build.mjs), outside JupyterLab and with its own
    // uPlot: so nothing from JupyterLab, nothing from the rest of src/, and uPlot for its types only.
    files: ['src/shared/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@jupyterlab/*', '@lumino/*', '../*'], message: 'src/shared/ is bundled into the notebook widget: keep it free of JupyterLab and of the rest of src/.' }
          ],
          paths: [{ name: 'uplot', allowTypeImports: true, message: 'import type only: each front end bundles its own uPlot.' }]
        }
      ]
    }
  }
);
