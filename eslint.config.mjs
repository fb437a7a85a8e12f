import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'widget/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // Types must be imported with `import type`: the ESM test transform keeps value imports, and a
      // value import of an interface fails to link.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Misses uses inside parameter decorators (a pipe built once and passed to @Param); tsc and
      // no-unused-vars already catch real dead stores.
      'no-useless-assignment': 'off',
      // Fastify's request.ip is the socket's peer: behind a proxy, the proxy (src/edge/proxy-trust.ts).
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name=/^(request|req)$/][property.name='ip']",
          message: 'Use request.clientIp, the client address as TRUST_PROXY resolves it.',
        },
      ],
    },
  },
  {
    files: ['**/*.cjs', 'bin/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', URL: 'readonly', fetch: 'readonly' },
    },
  },
);
