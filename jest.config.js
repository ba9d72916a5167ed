/**
 * Jest runs the pure-TypeScript engine and the command-line doctor in node:
 * they import nothing from JupyterLab, so no browser shims are needed.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests/ts'],
  testRegex: 'tests/ts/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: './tsconfig.test.json' }]
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 60000
};
