/**
 * Cloud Vision face detection, the cloud tier's face detector for the preflight (preflight/faces.ts holds
 * what a detector answers and the decisions on it).
 */
import { ImageAnnotatorClient } from "@google-cloud/vision";
// google-gax is the Vision client's own transport (a dependency of @google-cloud/vision).
import { googleAuthLibrary } from "google-gax";
import { EMULATOR_ACCESS_TOKEN } from "../../emulatorAuth";
import { googleRestOptions } from "../../googleRest";
import { scaleBox, type FaceBox, type FaceDetection, type FaceDetector } from "../../preflight/faces";
import type { DecodedImage } from "../../preflight/imageFile";

export type VisionClientOptions = ConstructorParameters<typeof ImageAnnotatorClient>[0];

/** Client options for a Cloud Vision endpoint from the model configuration (see googleRestOptions). */
export function visionClientOptions(baseUrl: string | undefined): VisionClientOptions {
  return googleRestOptions(baseUrl);
}

/**
 * Under the emulators there are no Google credentials, and Application Default Credentials would
 * probe a metadata server that does not exist: the client presents the emulators' fixed token
 * (through google-gax's own google-auth-library, the version the Vision client checks against).
 */
export function emulatorVisionAuth(): VisionClientOptions {
  const authClient = new googleAuthLibrary.OAuth2Client({ transporterOptions: { fetchImplementation: fetch } });
  authClient.setCredentials({ access_token: EMULATOR_ACCESS_TOKEN });
  return { authClient };
}

/** Cloud Vision `images:annotate` FACE_DETECTION. Throws an Error with the API's code and message on failure. */
export class CloudVisionFaceDetector implements FaceDetector {
  readonly name = "cloud-vision";
  private readonly client: ImageAnnotatorClient;

  constructor(
    clientOptions: VisionClientOptions = {},
    private readonly timeoutMs = 10_000,
  ) {
    this.client = new ImageAnnotatorClient(clientOptions);
  }

  async detect(image: DecodedImage): Promise<FaceDetection> {
    // The working JPEG is at most 1024 px: well inside the API's size limits, and boxes scale back.
    const content = await image.jpeg();
    const scale = image.width / image.raster.width;
    let response;
    try {
      // No retries: the user is waiting, and the local detector is the better second try.
      // batchAnnotateImages is what the faceDetection helper sends, but typed to take call options.
      // `retry: null` bypasses google-gax's retry loop, which (gax 5) hides the API's own error
      // behind "Exceeded maximum number of retries" even when maxRetries is 0.
      const [batch] = await this.client.batchAnnotateImages(
        { requests: [{ image: { content }, features: [{ type: "FACE_DETECTION" }] }] },
        { timeout: this.timeoutMs, retry: null },
      );
      response = batch.responses?.[0];
    } catch (error) {
      throw new Error(`Cloud Vision face detection failed: ${describeApiError(error)}`, { cause: error });
    }
    if (!response) throw new Error("Cloud Vision face detection failed: empty batch response");
    if (response.error?.code) {
      throw new Error(
        `Cloud Vision face detection failed: code ${response.error.code} ${response.error.message ?? ""}`,
      );
    }
    const boxes = (response.faceAnnotations ?? []).map((face) =>
      scaleBox(boundsOf(face.boundingPoly?.vertices ?? []), scale, face.detectionConfidence ?? 0),
    );
    return { faces: boxes.length, boxes, detector: this.name };
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function boundsOf(vertices: { x?: number | null; y?: number | null }[]): Omit<FaceBox, "score"> {
  if (vertices.length === 0) return { x: 0, y: 0, width: 0, height: 0 };
  const xs = vertices.map((v) => v.x ?? 0);
  const ys = vertices.map((v) => v.y ?? 0);
  const [x, y] = [Math.min(...xs), Math.min(...ys)];
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

/** google.rpc.Code names by number: google-gax 5 reports the API's errors by these codes. */
const RPC_CODE_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

function describeApiError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (code === undefined) return error.message;
  const name = typeof code === "number" ? RPC_CODE_NAMES[code] : undefined;
  return `${name ? `${name} (code ${code})` : `code ${String(code)}`}: ${error.message}`;
}
