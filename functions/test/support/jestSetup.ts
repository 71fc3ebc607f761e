import { exposeUndiciDispatcher } from "./undiciInJest";

// Every test file may use an SDK that sends requests through Node's fetch (undici).
exposeUndiciDispatcher();
