/** Every test runs against the real emulators started by scripts/with-emulators.mjs. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testTimeout: 120000,
  setupFiles: ["<rootDir>/test/support/jestSetup.ts"],
};
