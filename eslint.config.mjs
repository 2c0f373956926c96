import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const banned = ['@nestjs/*', 'typeorm', 'pg', 'nats', '@voxbridge/testing'];

/** Who may import whom. Tests get one extra right: importing libs/testing. */
const depConstraints = (forTests) => [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: forTests ? ['type:lib', 'type:testing'] : ['type:lib'],
  },
  {
    sourceTag: 'type:lib',
    onlyDependOnLibsWithTags: forTests ? ['type:lib', 'type:testing'] : ['type:lib'],
  },
  { sourceTag: 'runtime:pure', onlyDependOnLibsWithTags: ['runtime:pure'], bannedExternalImports: banned },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:testing'] },
];

const boundaries = (forTests) => ({
  '@nx/enforce-module-boundaries': [
    'error',
    { enforceBuildableLibDependency: false, allow: [], depConstraints: depConstraints(forTests) },
  ],
});

export default tseslint.config(
  { ignores: ['**/dist', '**/node_modules', '**/coverage', '.voxbridge', '.nx', '**/*.mjs'] },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts', 'apps/web/**/*.tsx'],
    rules: {
      ...boundaries(false),
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-empty': ['error', { allowEmptyCatch: false }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through the validated env class (libs/platform loadConfig), not process.env.',
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'apps/*/test/**/*.ts', 'e2e/**/*.ts', 'libs/testing/**/*.ts', 'libs/service-testing/**/*.ts', '**/jest.config.ts', 'jest.*.ts'],
    rules: { ...boundaries(true), 'no-restricted-syntax': 'off' },
  },
  {
    // The web app runs in the browser: no process at all, and its tests are vitest's.
    files: ['apps/web/**/*.ts', 'apps/web/**/*.tsx'],
    rules: { ...boundaries(true), 'no-restricted-syntax': 'off' },
  },
  {
    // The few places allowed to read the environment: config loading and the launcher/tools.
    files: ['libs/platform/src/config/**/*.ts', 'tools/**/*.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
