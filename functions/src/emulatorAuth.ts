import { OAuth2Client } from "google-auth-library";

/** The bearer token Google clients present under the emulators (stand-ins accept it; Google never would). */
export const EMULATOR_ACCESS_TOKEN = "emulator-token";

/**
 * Under the emulators there are no Google credentials, and Application Default Credentials would
 * probe a metadata server that does not exist: Google's clients (Cloud Vision, Vertex AI) present
 * a fixed token instead. google-auth-library is the auth of @google/genai and google-gax.
 */
export function emulatorAuthClient(): OAuth2Client {
  const client = new OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  client.setCredentials({ access_token: EMULATOR_ACCESS_TOKEN });
  return client;
}
