/**
 * Service specs, the middle tier: services wired by Test.createTestingModule against a real
 * redis-server, without HTTP. Faster than e2e, closer to Redis than unit specs.
 */
export default {
  testEnvironment: 'node',
  rootDir: '../..',
  roots: ['<rootDir>/test/service'],
  testRegex: '.*\\.service-spec\\.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  // TypeScript first: a stray compiled x.js beside x.ts must never shadow the source.
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testTimeout: 30000,
};
