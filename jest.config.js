// Three projects, run together by `npm test` or one at a time with `jest --selectProjects NAME`.
// @middy/core, fauxqs and jose ship ES modules only, so ts-jest transforms them too.
const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.[tj]s$': ['ts-jest', { tsconfig: { allowJs: true, isolatedModules: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ['node_modules/(?!(@middy|fauxqs|jose)/)'],
  // fauxqs declares an `import` export only, which jest's CommonJS resolver does not follow.
  moduleNameMapper: { '^fauxqs$': '<rootDir>/node_modules/fauxqs/dist/app.js' },
};

module.exports = {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...shared, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
};
