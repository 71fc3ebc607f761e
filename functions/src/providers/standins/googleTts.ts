import { encodeWav } from "../../models/wav";
import {
  googleApiError as apiError,
  ReplyScript,
  startHttpStandin,
  tonePcm,
  type StandinReply,
  type StandinRequest,
} from "./httpStandin";

/**
 * A loopback stand-in of Cloud Text-to-Speech's REST API (v1), answering the real
 * @google-cloud/text-to-speech client in REST (fallback) mode with the URLs and JSON it sends and
 * parses:
 *   POST /v1/text:synthesize {input: {text}, voice: {languageCode, name}, audioConfig: {audioEncoding, sampleRateHertz}}
 *        -> {audioContent: base64} (LINEAR16: a WAV file, header included)
 *   GET  /v1/voices -> {voices: [{languageCodes, name, ssmlGender, naturalSampleRateHertz}]} (listVoices, for models:check)
 * Requests need `authorization: Bearer <token>`; errors use Google's envelope {error: {code, message, status}}.
 * google-gax may ask for enums as numbers ($alt=json;enum-encoding=int): both spellings are accepted.
 * A voice it does not have is refused with 400 INVALID_ARGUMENT naming it, as the API does.
 */

export interface GoogleTtsStandinOptions {
  /** Every request must carry `Bearer <accessToken>`. */
  accessToken: string;
  /** Voices that exist; others are refused. */
  voices?: string[];
  /** A fixed port (default: a free one). */
  port?: number;
}

export interface GoogleTtsStandin {
  baseUrl: string;
  /** Scripted replies per voice name; an unscripted existing voice speaks a 3 s tone. */
  reply(voice: string, ...replies: StandinReply[]): void;
  calls(voice: string): number;
  /** Parsed synthesize bodies per voice. */
  requests(voice: string): unknown[];
  /** Voices that exist from now on. */
  setVoices(voices: string[]): void;
  /** Requests refused for their credentials. */
  unauthorized: number;
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_GOOGLE_TTS_VOICES = ["en-US-Chirp3-HD-Kore", "en-US-Chirp3-HD-Puck", "en-GB-Chirp3-HD-Kore"];

/** LINEAR16 as the real API returns it: 16-bit mono PCM wrapped in a WAV header, base64 in JSON. */
function wavReply(pcm: Buffer, sampleRate = 24_000): StandinReply {
  const wav = encodeWav({ sampleRate, channels: 1, bitsPerSample: 16, data: pcm });
  return { status: 200, json: { audioContent: wav.toString("base64") } };
}

export const googleTtsReplies = {
  speech: (pcm: Buffer) => wavReply(pcm),
  unavailable: () => apiError(503, "The service is currently unavailable."),
  internal: () => apiError(500, "Internal error encountered."),
  quota: () => apiError(429, "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute'."),
};

/** LINEAR16 is 1 in the API's AudioEncoding enum. */
const LINEAR16 = new Set(["LINEAR16", 1]);

export async function startGoogleTtsStandin(options: GoogleTtsStandinOptions): Promise<GoogleTtsStandin> {
  let voices = new Set(options.voices ?? DEFAULT_GOOGLE_TTS_VOICES);
  let unauthorized = 0;
  const script = new ReplyScript(() => wavReply(tonePcm(3)));

  const synthesize = (body: unknown): StandinReply => {
    const request = body as {
      input?: { text?: unknown };
      voice?: { languageCode?: unknown; name?: unknown };
      audioConfig?: { audioEncoding?: unknown; sampleRateHertz?: unknown };
    };
    const text = request?.input?.text;
    const name = request?.voice?.name;
    if (typeof text !== "string" || !text.trim()) return apiError(400, "Input text is empty.");
    if (typeof name !== "string") return apiError(400, "Voice name is required.");
    if (!voices.has(name)) {
      return apiError(400, `Voice '${name}' does not exist. Is it misspelled?`);
    }
    if (request.voice?.languageCode !== name.split("-").slice(0, 2).join("-")) {
      return apiError(400, `Requested language code '${String(request.voice?.languageCode)}' doesn't match the voice.`);
    }
    if (!LINEAR16.has(request.audioConfig?.audioEncoding as string | number)) {
      return apiError(400, "audioConfig.audioEncoding must be set.");
    }
    return script.take(name, body);
  };

  const route = (request: StandinRequest): StandinReply => {
    if (request.headers.authorization !== `Bearer ${options.accessToken}`) {
      unauthorized++;
      return apiError(401, "Request had invalid authentication credentials.");
    }
    if (request.method === "POST" && request.path === "/v1/text:synthesize") {
      let body: unknown;
      try {
        body = JSON.parse(request.body.toString("utf8"));
      } catch {
        return apiError(400, "Invalid JSON payload received.");
      }
      return synthesize(body);
    }
    if (request.method === "GET" && request.path === "/v1/voices") {
      return {
        status: 200,
        json: {
          voices: [...voices].map((name) => ({
            languageCodes: [name.split("-").slice(0, 2).join("-")],
            name,
            ssmlGender: "FEMALE",
            naturalSampleRateHertz: 24_000,
          })),
        },
      };
    }
    return apiError(404, `No route for ${request.method} ${request.path}.`);
  };

  const server = await startHttpStandin(route, options.port);
  return {
    baseUrl: server.baseUrl,
    reply: (voice, ...replies) => script.set(voice, ...replies),
    calls: (voice) => script.calls(voice),
    requests: (voice) => script.requests(voice),
    setVoices: (next) => {
      voices = new Set(next);
    },
    get unauthorized() {
      return unauthorized;
    },
    reset: () => {
      script.reset();
      voices = new Set(options.voices ?? DEFAULT_GOOGLE_TTS_VOICES);
      unauthorized = 0;
    },
    close: () => server.close(),
  };
}
