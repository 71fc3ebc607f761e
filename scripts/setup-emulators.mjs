// `npm run setup`: checks the prerequisites of the local emulators and prepares them.
import { emulatorEnv } from "./emulator-env.mjs";

const env = emulatorEnv();
console.log("fairshot setup: emulators ready.");
for (const [key, value] of Object.entries(env)) console.log(`  ${key}=${value}`);
