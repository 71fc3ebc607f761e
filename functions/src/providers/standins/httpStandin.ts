import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Plumbing shared by the provider stand-ins: a node:http server on 127.0.0.1
 * (port 0, the real port reported back) and per-key scripted replies with call counts.
 */

export interface StandinRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface StandinReply {
  status: number;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as is, with `contentType`. */
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Answer only after this long (timeouts). */
  delayMs?: number;
}

const GOOGLE_STATUS_NAMES: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  503: "UNAVAILABLE",
};

/** An error as Google's APIs write it: `{error: {code, message, status, details?}}`. */
export function googleApiError(httpStatus: number, message: string, details?: unknown[]): StandinReply {
  return {
    status: httpStatus,
    json: {
      error: { code: httpStatus, message, status: GOOGLE_STATUS_NAMES[httpStatus], ...(details ? { details } : {}) },
    },
  };
}

export type StandinHandler = (request: StandinRequest) => StandinReply | Promise<StandinReply>;

export interface HttpStandin {
  port: number;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  close(): Promise<void>;
}

/** `port` 0 takes a free one; a fixed port lets the Functions emulator be told the URL before it starts. */
export async function startHttpStandin(handler: StandinHandler, port = 0): Promise<HttpStandin> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      let reply: StandinReply;
      try {
        reply = await handler({
          method: req.method ?? "GET",
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
      } catch (error) {
        reply = { status: 500, json: { standinError: String(error) } };
      }
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if (res.destroyed) return;
      const body = reply.bytes ?? Buffer.from(JSON.stringify(reply.json ?? {}));
      res.writeHead(reply.status, {
        "content-type": reply.bytes
          ? (reply.contentType ?? "application/octet-stream")
          : "application/json; charset=UTF-8",
        "content-length": String(body.length),
        ...reply.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    baseUrl: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * Replies scripted per key (a model name): each call takes the next reply, and the
 * last one keeps answering. Keys without a script get `unscripted(key)`.
 */
export class ReplyScript {
  private readonly queues = new Map<string, StandinReply[]>();
  private readonly counts = new Map<string, number>();
  private readonly bodies = new Map<string, unknown[]>();

  constructor(private readonly unscripted: (key: string) => StandinReply) {}

  set(key: string, ...replies: StandinReply[]): void {
    if (replies.length === 0) throw new Error(`no reply scripted for ${key}`);
    this.queues.set(key, [...replies]);
  }

  /** Counts the call, keeps its parsed body, and returns the scripted reply. */
  take(key: string, body: unknown): StandinReply {
    this.counts.set(key, this.calls(key) + 1);
    this.bodies.set(key, [...(this.bodies.get(key) ?? []), body]);
    const queue = this.queues.get(key);
    if (!queue) return this.unscripted(key);
    return queue.length > 1 ? (queue.shift() as StandinReply) : queue[0];
  }

  calls(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Parsed request bodies received for the key, oldest first. */
  requests(key: string): unknown[] {
    return this.bodies.get(key) ?? [];
  }

  reset(): void {
    this.queues.clear();
    this.counts.clear();
    this.bodies.clear();
  }
}

/** A tone as 16-bit mono PCM: audible audio for speech replies. */
export function tonePcm(seconds: number, sampleRate = 24_000, hz = 220): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    pcm.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * 12_000), i * 2);
  }
  return pcm;
}

/** A provider stand-in whose answers are scripted per model. */
export interface ScriptedStandin {
  baseUrl: string;
  port: number;
  /** Replies for a model, in order; the last keeps answering. */
  reply(model: string, ...replies: StandinReply[]): void;
  calls(model: string): number;
  /** Parsed request bodies for a model. */
  requests(model: string): unknown[];
  reset(): void;
  close(): Promise<void>;
}

/** The scripted-standin face of a running server and its reply script. */
export function scriptedStandin(server: HttpStandin, script: ReplyScript): ScriptedStandin {
  return {
    baseUrl: server.baseUrl,
    port: server.port,
    reply: (model, ...replies) => script.set(model, ...replies),
    calls: (model) => script.calls(model),
    requests: (model) => script.requests(model),
    reset: () => script.reset(),
    close: () => server.close(),
  };
}

/** A model as a stand-in's model list shows it; `shutdownDate` only where the provider reports one. */
export interface StandinModel {
  id: string;
  shutdownDate?: string;
}

/** What a stand-in's model-list endpoint answers: these models, or an error reply (a provider down). */
export type ModelList = StandinModel[] | StandinReply;

export const isReply = (list: ModelList): list is StandinReply => !Array.isArray(list);
