import {
  isReply,
  ReplyScript,
  scriptedStandin,
  startHttpStandin,
  type ModelList,
  type ScriptedStandin,
  type StandinReply,
} from "./httpStandin";

/**
 * A loopback stand-in of the Gemini API's generateContent, answering with the
 * shapes @google/genai 2.32 parses (apiVersion v1beta):
 *   POST /v1beta/models/{model}:generateContent
 * Success: {candidates: [{content: {parts, role}, finishReason}], usageMetadata, modelVersion}.
 * Errors: the Google envelope {error: {code, message, status, details?}} as JSON; the SDK
 * throws ApiError with `status` and the body serialized in `message`.
 * Models without a script answer 404 NOT_FOUND, as the real API does for unknown models.
 */

function googleError(code: number, status: string, message: string, details?: unknown[]): StandinReply {
  return { status: code, json: { error: { code, message, status, ...(details ? { details } : {}) } } };
}

const usageMetadata = { promptTokenCount: 812, candidatesTokenCount: 301, totalTokenCount: 1113 };

export const geminiReplies = {
  json(value: unknown): StandinReply {
    return {
      status: 200,
      json: {
        candidates: [
          { content: { parts: [{ text: JSON.stringify(value) }], role: "model" }, finishReason: "STOP", index: 0 },
        ],
        usageMetadata,
        modelVersion: "standin",
        responseId: "standin-response",
      },
    };
  },
  /** 16-bit mono PCM, as Gemini TTS returns it. */
  audio(pcm: Buffer, sampleRate = 24_000): StandinReply {
    const inlineData = { mimeType: `audio/L16;codec=pcm;rate=${sampleRate}`, data: pcm.toString("base64") };
    // Gemini counts 25 audio tokens per second of speech.
    const audioTokens = Math.round((pcm.length / 2 / sampleRate) * 25);
    return {
      status: 200,
      json: {
        candidates: [{ content: { parts: [{ inlineData }], role: "model" }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 14, candidatesTokenCount: audioTokens, totalTokenCount: 14 + audioTokens },
      },
    };
  },
  notFound(model: string): StandinReply {
    return googleError(
      404,
      "NOT_FOUND",
      `models/${model} is not found for API version v1beta, or is not supported for generateContent. ` +
        "Call ListModels to see the list of available models and their supported methods.",
    );
  },
  rateLimited(retryDelaySec: number): StandinReply {
    return googleError(
      429,
      "RESOURCE_EXHAUSTED",
      "You exceeded your current quota, please check your plan and billing details.",
      [
        {
          "@type": "type.googleapis.com/google.rpc.QuotaFailure",
          violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests" }],
        },
        { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${retryDelaySec}s` },
      ],
    );
  },
  internal(): StandinReply {
    return googleError(
      500,
      "INTERNAL",
      "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    );
  },
  overloaded(): StandinReply {
    return googleError(503, "UNAVAILABLE", "The model is overloaded. Please try again later.");
  },
  apiKeyInvalid(): StandinReply {
    return googleError(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
      {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      },
    ]);
  },
  permissionDenied(): StandinReply {
    return googleError(
      403,
      "PERMISSION_DENIED",
      "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
    );
  },
  /** 200 with no candidate: the prompt itself was blocked. */
  promptBlocked(): StandinReply {
    return {
      status: 200,
      json: {
        promptFeedback: {
          blockReason: "SAFETY",
          safetyRatings: [{ category: "HARM_CATEGORY_DANGEROUS_CONTENT", probability: "HIGH" }],
        },
        usageMetadata,
      },
    };
  },
  /** 200 with a candidate whose content was withheld. */
  finishedForSafety(): StandinReply {
    return {
      status: 200,
      json: {
        candidates: [
          {
            finishReason: "SAFETY",
            index: 0,
            safetyRatings: [{ category: "HARM_CATEGORY_HARASSMENT", probability: "HIGH", blocked: true }],
          },
        ],
        usageMetadata,
      },
    };
  },
};

export interface GeminiStandin extends ScriptedStandin {
  /** What `GET /v1/models` (models.list) answers; empty until set. */
  listModels(list: ModelList): void;
}

const LIST_PATH = /^\/(?:v1|v1beta)\/models$/;

/** The models.list page: `models/{id}` names, as the Gemini API lists them. */
function modelListReply(list: ModelList): StandinReply {
  if (isReply(list)) return list;
  return {
    status: 200,
    json: {
      models: list.map((model) => ({
        name: `models/${model.id}`,
        displayName: model.id,
        supportedGenerationMethods: ["generateContent", "countTokens"],
      })),
    },
  };
}

/** @google/genai 3 calls the Gemini API at v1 by default; older clients and `apiVersion` overrides use v1beta. */
const GENERATE_PATH = /^\/(?:v1|v1beta)\/models\/([^/:]+):generateContent$/;

export interface GeminiStandinOptions {
  /** When set, requests must carry it in x-goog-api-key (else 400 API_KEY_INVALID). */
  apiKey?: string;
  /** A fixed port (default: a free one). */
  port?: number;
}

export async function startGeminiStandin(options: GeminiStandinOptions = {}): Promise<GeminiStandin> {
  const script = new ReplyScript((model) => geminiReplies.notFound(model));
  let modelList: ModelList = [];
  const server = await startHttpStandin((request) => {
    if (request.method === "GET" && LIST_PATH.test(request.path)) {
      if (options.apiKey && request.headers["x-goog-api-key"] !== options.apiKey) return geminiReplies.apiKeyInvalid();
      return modelListReply(modelList);
    }
    const match = GENERATE_PATH.exec(request.path);
    if (request.method !== "POST" || !match) {
      return googleError(404, "NOT_FOUND", `Method not found: ${request.method} ${request.path}`);
    }
    // Counted before the key check: a rejected call is still a call.
    const reply = script.take(decodeURIComponent(match[1]), JSON.parse(request.body.toString("utf8")));
    if (options.apiKey && request.headers["x-goog-api-key"] !== options.apiKey) return geminiReplies.apiKeyInvalid();
    return reply;
  }, options.port);
  return {
    ...scriptedStandin(server, script),
    listModels: (list) => {
      modelList = list;
    },
  };
}
