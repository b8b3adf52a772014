import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // engine/server/generated/: proto-loader-gen-types' output, kept fresh by `make proto-types-check`.
  { ignores: ['dist/', 'node_modules/', '.cache/', 'coverage/', 'engine/server/generated/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      'no-console': 'error',
      // Stylistic in strictTypeChecked; they add noise, not safety, in this code base.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // grpc-js and EventEmitter ignore returned promises; our wrappers catch their errors.
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, properties: false } },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/testdata/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  // Benchmarks print their report on stdout.
  { files: ['bench/**'], rules: { 'no-console': 'off' } },
  { files: ['**/*.js'], ...tseslint.configs.disableTypeChecked },
);
