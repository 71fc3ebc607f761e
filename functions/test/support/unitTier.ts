/**
 * The unit tier runs without emulators. A test here that reaches for Firestore or Auth fails at
 * once, saying how to move it to the emulator tier, instead of waiting on a connection nobody
 * answers (or quietly using emulators some other suite left running).
 */
const EMULATOR_VARIABLES = [
  "FIRESTORE_EMULATOR_HOST",
  "FIREBASE_AUTH_EMULATOR_HOST",
  "FIREBASE_EMULATOR_HUB",
  "CLOUD_TASKS_EMULATOR_HOST",
  "FUNCTIONS_EMULATOR_HOST",
];
for (const name of EMULATOR_VARIABLES) delete process.env[name];

function reachedEmulator(what: string): never {
  throw new Error(
    `${what} in a unit test: unit tests run without emulators. ` +
      "A test that needs them is named *.emulator.test.ts (npm test runs it inside the emulator suite).",
  );
}

jest.mock("firebase-admin/firestore", () => ({
  ...jest.requireActual("firebase-admin/firestore"),
  getFirestore: () => reachedEmulator("getFirestore()"),
}));
jest.mock("firebase-admin/auth", () => ({
  ...jest.requireActual("firebase-admin/auth"),
  getAuth: () => reachedEmulator("getAuth()"),
}));
