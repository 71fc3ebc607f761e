/**
 * Three tiers, told apart by where a test file is and how it is named:
 *
 *   unit      test/**\/*.test.ts              no emulator, no build, a minute: `npm run test:unit`
 *   long      test/**\/*.long.test.ts         no emulator, no build, minutes of CPU (real encoders over
 *                                             real files, seeded searches): `npm run test:long`
 *   emulator  test/**\/*.emulator.test.ts     the local-tier emulator suite (npm test, scripts/with-emulators.mjs)
 *   cloud     test/cloud/**\/*.test.ts        the cloud tier's suite (FAIRSHOT_STANDINS=cloud, `npm run test:cloud`)
 *
 * A unit test that reaches for Firestore or Auth fails at once with the rename it needs
 * (test/support/unitTier.ts). Types are checked once, by `npm run lint`; jest only transpiles.
 */
const transpileOnly = ["ts-jest", { tsconfig: { isolatedModules: true } }];

const shared = {
  preset: "ts-jest",
  // Jest would keep its transform cache in the OS temp folder, which scripts/with-emulators.mjs
  // makes new for every suite; kept here, the tiers share one cache that survives between runs.
  cacheDirectory: "<rootDir>/../node_modules/.cache/jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  // firebase-admin 14 verifies tokens with jose 6, which ships only ES modules; jest's module
  // runtime cannot require() them, so jose alone is compiled to CommonJS for the tests.
  transform: {
    "^.+\\.ts$": transpileOnly,
    "/node_modules/jose/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, isolatedModules: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
};

module.exports = {
  // A deadline against a hang, not a performance goal: in `npm test` the suites share 2 cores side by
  // side (scripts/lanes.mjs), so a run that takes 40 s alone may take several times that there.
  testTimeout: 300000,
  projects: [
    {
      ...shared,
      displayName: "unit",
      testMatch: ["**/*.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "\\.(emulator|long)\\.test\\.ts$", "/test/cloud/"],
      setupFiles: ["<rootDir>/test/support/unitTier.ts", "<rootDir>/test/support/jestSetup.ts"],
    },
    {
      ...shared,
      displayName: "long",
      testMatch: ["**/*.long.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "/test/cloud/"],
      setupFiles: ["<rootDir>/test/support/unitTier.ts", "<rootDir>/test/support/jestSetup.ts"],
    },
    {
      ...shared,
      displayName: "emulator",
      testMatch: ["**/*.emulator.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "/test/cloud/"],
      setupFiles: ["<rootDir>/test/support/jestSetup.ts"],
    },
    {
      ...shared,
      displayName: "cloud",
      testMatch: ["<rootDir>/test/cloud/**/*.test.ts"],
      setupFiles: ["<rootDir>/test/support/jestSetup.ts"],
    },
  ],
};
