/**
 * Serves the built page under the emulators: the static files, a `config.json` that points the
 * page at the running emulators, and the local bucket's finished videos (with Range support, so
 * the browser's video element can seek). Nothing here runs in production, where Hosting serves
 * the page and Cloud Storage the videos.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { z } from "zod";
import type { PageConfig } from "./src/config";

/**
 * Finished videos, a run's own media (scene clips, storyboard start frames) and brand kit logos are
 * served, as storage.rules lets their owner read them; uploads stay private. This local server does not
 * check who asks (test mode only: run ids are unguessable, and nothing here runs in production).
 */
const SERVED_BUCKET_PREFIXES = ["outputs/", "runs/", "brand/"];
const BUCKET_ROUTE = "/bucket/";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".webp": "image/webp",
  ".mp4": "video/mp4",
};

const HubEmulatorsSchema = z.object({
  functions: z.object({ host: z.string(), port: z.number() }),
  auth: z.object({ host: z.string(), port: z.number() }),
  firestore: z.object({ host: z.string(), port: z.number() }),
});

/** Where the running emulators listen, from the emulator hub firebase-tools starts beside them. */
export async function emulatorPageConfig(projectId: string): Promise<PageConfig> {
  const hub = process.env.FIREBASE_EMULATOR_HUB;
  if (!hub) throw new Error("FIREBASE_EMULATOR_HUB is not set: start this through scripts/with-emulators.mjs.");
  const emulators = HubEmulatorsSchema.parse(await (await fetch(`http://${hub}/emulators`)).json());
  const url = (e: { host: string; port: number }) =>
    `http://${e.host.includes(":") ? `[${e.host}]` : e.host}:${e.port}`;
  return {
    firebase: {
      apiKey: "demo-api-key",
      authDomain: `${projectId}.firebaseapp.com`,
      projectId,
    },
    emulators: {
      authUrl: url(emulators.auth),
      firestore: {
        host: emulators.firestore.host,
        port: emulators.firestore.port,
      },
      functions: { host: emulators.functions.host, port: emulators.functions.port },
      uploadUrl: `${url(emulators.functions)}/${projectId}/us-central1/uploadImage`,
      bucketUrl: BUCKET_ROUTE.slice(0, -1),
    },
  };
}

/** Resolves a URL path inside `root`, or null when it would escape it. */
function inside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const resolved = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  return resolved.startsWith(path.resolve(root) + path.sep) ? resolved : null;
}

async function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string): Promise<void> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    res.writeHead(404).end("not found");
    return;
  }
  const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? "");
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, info.size - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), info.size - 1) : info.size - 1;
    if (start > end || start >= info.size) {
      res.writeHead(416, { "Content-Range": `bytes */${info.size}` }).end();
      return;
    }
    res.writeHead(206, {
      "Content-Type": type,
      "Content-Length": end - start + 1,
      "Content-Range": `bytes ${start}-${end}/${info.size}`,
      "Accept-Ranges": "bytes",
    });
    createReadStream(file, { start, end }).pipe(res);
    return;
  }
  res.writeHead(200, {
    "Content-Type": type,
    "Content-Length": info.size,
    "Accept-Ranges": "bytes",
    "Cache-Control": "no-cache",
  });
  createReadStream(file).pipe(res);
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

export async function startWebServer(options: {
  distDir: string;
  bucketDir: string;
  config: PageConfig;
  port?: number;
  host?: string;
}): Promise<WebServer> {
  const host = options.host ?? "127.0.0.1";
  const server = http.createServer((req, res) => {
    const urlPath = new URL(req.url ?? "/", "http://page").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (urlPath === "/config.json") {
      res
        .writeHead(200, {
          "Content-Type": "application/json",
          "Cache-Control": "no-store",
        })
        .end(JSON.stringify(options.config));
      return;
    }
    let file: string | null;
    if (urlPath.startsWith(BUCKET_ROUTE)) {
      const objectPath = urlPath.slice(BUCKET_ROUTE.length);
      file = SERVED_BUCKET_PREFIXES.some((prefix) => objectPath.startsWith(prefix))
        ? inside(options.bucketDir, `/${objectPath}`)
        : null;
    } else {
      file = inside(options.distDir, urlPath === "/" ? "/index.html" : urlPath);
    }
    if (!file) {
      res.writeHead(404).end("not found");
      return;
    }
    sendFile(req, res, file).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
