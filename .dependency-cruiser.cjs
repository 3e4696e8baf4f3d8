// The layers of packages/server/src and the directions imports may take between them; see
// docs/architecture.md. `npm run lint` fails on any import that breaks a rule.
const src = '^packages/server/src/';
const foundation = `${src}(errors\\.ts|shared/|config/)`;
const platform = `${src}(db|stream|limiter|blob|http)/`;
const upper = `${src}(migrations|runtime|backup|cli|testing)/`;
const tests = '\\.test\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'foundation-stands-alone',
      comment: 'errors.ts, config/ and shared/ are the base every layer may use: they import nothing above them.',
      severity: 'error',
      from: { path: foundation, pathNot: tests },
      to: { path: src, pathNot: foundation },
    },
    {
      name: 'platform-knows-no-capability',
      comment: 'db, stream, limiter, blob and http serve every capability and name none of them (nor the assembly).',
      severity: 'error',
      from: { path: platform, pathNot: tests },
      to: { path: src, pathNot: [foundation, platform] },
    },
    {
      name: 'capabilities-below-the-assembly',
      comment: 'A capability uses the platform, the foundation and (acyclically) other capabilities, never the assembly above it.',
      severity: 'error',
      from: { path: src, pathNot: [foundation, platform, upper, tests] },
      to: { path: upper },
    },
    {
      name: 'migrations-below-the-runtime',
      comment: 'The schema history may run a capability’s code (a backfill), never the assembly.',
      severity: 'error',
      from: { path: `${src}migrations/`, pathNot: tests },
      to: { path: `${src}(runtime|backup|cli|testing)/` },
    },
    {
      name: 'runtime-below-the-cli',
      comment:
        'The runtime assembles and runs Shoebox, and backup works on a whole deployment beside it; commands build on both, not the other way round.',
      severity: 'error',
      from: { path: `${src}(runtime|backup)/`, pathNot: tests },
      to: { path: `${src}(cli|testing)/` },
    },
    {
      name: 'assembly-through-register',
      comment:
        'runtime/app.ts mounts a capability through its register.ts (its routes, and the guard of a scope it owns) or builds it through its factory.ts, never by reaching into its route files; types may come from anywhere.',
      severity: 'error',
      from: { path: `${src}runtime/app\\.ts$` },
      to: { path: src, pathNot: [foundation, platform, upper, '/(register|factory)\\.ts$'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-test-code-in-the-product',
      comment: 'testing/ and test files are for tests only: nothing shipped imports them.',
      severity: 'error',
      from: { path: src, pathNot: [tests, `${src}testing/`] },
      to: { path: [`${src}testing/`, tests] },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle of value imports makes load order matter and layers meaningless (type-only imports are erased).',
      severity: 'error',
      from: { path: src },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '(^|/)(node_modules|\\.cache|dist)/' },
  },
};
