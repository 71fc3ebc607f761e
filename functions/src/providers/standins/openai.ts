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
 * A loopback stand-in of the OpenAI API, answering with the shapes the openai SDK parses:
 *   GET  /v1/models            -> list of models, each with shutdown_date where one is announced
 *   POST /v1/chat/completions  -> chat.completion
 *   POST /v1/audio/speech      -> audio bytes
 * Errors: {error: {message, type, param, code}} as JSON with x-request-id; the SDK maps
 * the status to its APIError subclasses and reads `code`, `type` and the headers.
 * Models without a script answer 404 model_not_found, as the real API does.
 */

function openAiError(
  status: number,
  message: string,
  type: string,
  code: string | null,
  headers: Record<string, string> = {},
): StandinReply {
  return {
    status,
    json: { error: { message, type, param: null, code } },
    headers: { "x-request-id": `req_standin_${status}`, ...headers },
  };
}

function chatCompletion(message: Record<string, unknown>, finishReason = "stop"): StandinReply {
  return {
    status: 200,
    headers: { "x-request-id": "req_standin_ok" },
    json: {
      id: "chatcmpl-standin",
      object: "chat.completion",
      created: 1_764_000_000,
      model: "standin",
      choices: [
        {
          index: 0,
          message: { role: "assistant", refusal: null, ...message },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage: { prompt_tokens: 812, completion_tokens: 301, total_tokens: 1113 },
      system_fingerprint: "fp_standin",
    },
  };
}

export const openAiReplies = {
  json(value: unknown): StandinReply {
    return chatCompletion({ content: JSON.stringify(value) });
  },
  refusal(text: string): StandinReply {
    return chatCompletion({ content: null, refusal: text });
  },
  speech(wav: Buffer): StandinReply {
    return { status: 200, bytes: wav, contentType: "audio/wav", headers: { "x-request-id": "req_standin_ok" } };
  },
  notFound(model: string): StandinReply {
    return openAiError(
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      "invalid_request_error",
      "model_not_found",
    );
  },
  rateLimited(retryAfterSec: number): StandinReply {
    return openAiError(
      429,
      `Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in ${retryAfterSec}s.`,
      "requests",
      "rate_limit_exceeded",
      { "retry-after": String(retryAfterSec), "x-ratelimit-remaining-requests": "0" },
    );
  },
  invalidApiKey(): StandinReply {
    return openAiError(
      401,
      "Incorrect API key provided: sk-stand***in. You can find your API key at https://platform.openai.com/account/api-keys.",
      "invalid_request_error",
      "invalid_api_key",
    );
  },
  contentPolicy(): StandinReply {
    return openAiError(
      400,
      "Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.",
      "invalid_request_error",
      "content_policy_violation",
    );
  },
  serverError(): StandinReply {
    return openAiError(
      500,
      "The server had an error while processing your request. Sorry about that!",
      "server_error",
      null,
    );
  },
};

/** `baseUrl` is the origin; the SDK's baseURL is `${baseUrl}/v1`. */
export interface OpenAiStandin extends ScriptedStandin {
  /** What `GET /v1/models` answers (with `shutdown_date` where set); empty until set. */
  listModels(list: ModelList): void;
}

function modelListReply(list: ModelList): StandinReply {
  if (isReply(list)) return list;
  return {
    status: 200,
    json: {
      object: "list",
      data: list.map((model) => ({
        id: model.id,
        object: "model",
        created: 1_767_225_600,
        owned_by: "system",
        ...(model.shutdownDate ? { shutdown_date: model.shutdownDate } : {}),
      })),
    },
  };
}

const ROUTES = new Set(["/v1/chat/completions", "/v1/audio/speech"]);

/** `apiKey`: when set, requests must carry it as a Bearer token (else 401 invalid_api_key). `port`: fixed (default: free). */
export async function startOpenAiStandin(options: { apiKey?: string; port?: number } = {}): Promise<OpenAiStandin> {
  const script = new ReplyScript((model) => openAiReplies.notFound(model));
  let modelList: ModelList = [];
  const server = await startHttpStandin((request) => {
    if (request.method === "GET" && request.path === "/v1/models") {
      if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
        return openAiReplies.invalidApiKey();
      }
      return modelListReply(modelList);
    }
    if (request.method !== "POST" || !ROUTES.has(request.path)) {
      return openAiError(404, `Invalid URL (${request.method} ${request.path})`, "invalid_request_error", null);
    }
    const body = JSON.parse(request.body.toString("utf8")) as { model: string };
    // Counted before the key check: a rejected call is still a call.
    const reply = script.take(body.model, body);
    if (options.apiKey && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return openAiReplies.invalidApiKey();
    }
    return reply;
  }, options.port);
  return {
    ...scriptedStandin(server, script),
    listModels: (list) => {
      modelList = list;
    },
  };
}
