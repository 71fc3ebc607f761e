import http from "http";
import type { AddressInfo } from "net";
import { googleAuthLibrary } from "google-gax";
import type { VisionClientOptions } from "../cloud/visionFaces";

/**
 * An HTTP server on 127.0.0.1 that answers `POST /v1/images:annotate` the way the Cloud Vision
 * REST API does, for the real @google-cloud/vision client in REST (fallback) mode.
 */
export interface VisionStandIn {
  options: VisionClientOptions;
  /** The stand-in as a model configuration names it (providers.vision.baseUrl). */
  baseUrl: string;
  /** A fixed-token auth client: no token exchange, no network. */
  authClient: NonNullable<VisionClientOptions>["authClient"];
  requests: { authorization?: string; body: AnnotateBody }[];
  answer: (status: number, body: unknown) => void;
  close: () => Promise<void>;
}

interface AnnotateBody {
  requests: { image: { content: string }; features: { type: number | string }[] }[];
}

/** One face, as the API reports it (boundingPoly in the pixels of the image it was sent). */
export const ONE_FACE = {
  responses: [
    {
      faceAnnotations: [
        {
          boundingPoly: {
            vertices: [
              { x: 100, y: 80 },
              { x: 300, y: 80 },
              { x: 300, y: 320 },
              { x: 100, y: 320 },
            ],
          },
          fdBoundingPoly: {
            vertices: [
              { x: 120, y: 120 },
              { x: 280, y: 120 },
              { x: 280, y: 300 },
              { x: 120, y: 300 },
            ],
          },
          rollAngle: 1.5,
          panAngle: -3.2,
          tiltAngle: 2.1,
          detectionConfidence: 0.98,
          landmarkingConfidence: 0.71,
          joyLikelihood: "VERY_UNLIKELY",
          sorrowLikelihood: "VERY_UNLIKELY",
          angerLikelihood: "VERY_UNLIKELY",
          surpriseLikelihood: "VERY_UNLIKELY",
          underExposedLikelihood: "VERY_UNLIKELY",
          blurredLikelihood: "VERY_UNLIKELY",
          headwearLikelihood: "VERY_UNLIKELY",
        },
      ],
    },
  ],
};

/** `port`: fixed (default: a free one). */
export async function startVisionStandIn(port = 0): Promise<VisionStandIn> {
  let reply = { status: 200, body: ONE_FACE as unknown };
  const requests: VisionStandIn["requests"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      if (req.method !== "POST" || !req.url?.startsWith("/v1/images:annotate")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: 404, message: `no route ${req.url}`, status: "NOT_FOUND" } }));
        return;
      }
      requests.push({ authorization: req.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(reply.status, { "content-type": "application/json; charset=UTF-8" });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  // A real auth client (the google-auth-library the Vision client itself uses) holding a fixed
  // token: no token exchange, no network. Node's own fetch is handed to gaxios because its
  // default, `import("node-fetch")`, cannot run inside jest's module sandbox.
  const authClient = new googleAuthLibrary.OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  authClient.setCredentials({ access_token: "stand-in-token" });
  return {
    options: { fallback: true, apiEndpoint: "127.0.0.1", port: bound, protocol: "http", authClient },
    baseUrl: `http://127.0.0.1:${bound}`,
    authClient,
    requests,
    answer: (status, body) => {
      reply = { status, body };
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
