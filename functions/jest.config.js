/** Every test runs against the real emulators started by scripts/with-emulators.mjs. */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  testTimeout: 120000,
  setupFiles: ["<rootDir>/test/support/jestSetup.ts"],
  // test/cloud needs the Functions emulator on the cloud tier with its stand-ins
  // (FAIRSHOT_STANDINS=cloud, `npm run test:cloud`); npm test runs it as a suite of its own.
  testPathIgnorePatterns: process.env.FAIRSHOT_STANDIN_GOOGLE_PORT
    ? ["/node_modules/"]
    : ["/node_modules/", "/test/cloud/"],
  // firebase-admin 14 verifies tokens with jose 6, which ships only ES modules; jest's module
  // runtime cannot require() them, so jose alone is compiled to CommonJS for the tests.
  transform: {
    "^.+\\.ts$": "ts-jest",
    "/node_modules/jose/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true }, diagnostics: false }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
};
