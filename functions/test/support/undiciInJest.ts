/**
 * Jest runs each test file in a vm context. @google/genai (Node) sends every request through
 * Node's built-in undici global dispatcher, which it looks up on `globalThis`; that property
 * lives on the outer realm's global, so inside Jest the SDK fails with "Undici globalDispatcher
 * is not available". Expose the outer realm's dispatcher on the test context's global.
 * `fetch` is the outer realm's function, so its constructor evaluates code in that realm.
 */
const DISPATCHER = Symbol.for("undici.globalDispatcher.1");

export function exposeUndiciDispatcher(): void {
  const context = globalThis as unknown as Record<symbol, unknown>;
  if (context[DISPATCHER]) return;
  new Headers(); // Makes Node create its global dispatcher, lazily built on first use.
  const outerRealm = (fetch as unknown as { constructor: FunctionConstructor }).constructor("return globalThis")();
  context[DISPATCHER] = (outerRealm as Record<symbol, unknown>)[DISPATCHER];
}
