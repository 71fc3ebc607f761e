import sharp from "sharp";
import { decodeUpload } from "../../src/preflight/imageFile";
import {
  LocalFaceDetector,
  loadLocalFaceModel,
  mergeOverlapping,
  squareWindows,
  TINY_INPUT_SIZE,
} from "../../src/preflight/faces";
import { fixture, twoFaces } from "../support/samples";

const detector = new LocalFaceDetector();
const facesIn = async (bytes: Buffer) => detector.detect(await decodeUpload(bytes));

describe("LocalFaceDetector (face-api Tiny detector on tfjs-wasm, weights from the package)", () => {
  it("loads the model once per process", async () => {
    expect(loadLocalFaceModel()).toBe(loadLocalFaceModel());
    await loadLocalFaceModel();
  });

  it("finds the one face on astronaut.png, boxed in full-image pixels", async () => {
    const result = await facesIn(fixture("astronaut.png"));
    expect(result.faces).toBe(1);
    expect(result.detector).toBe("face-api-tiny");
    const [box] = result.boxes;
    // Eileen Collins' face sits in the upper middle of the 512x512 portrait.
    expect(box.x).toBeGreaterThan(100);
    expect(box.x + box.width).toBeLessThan(330);
    expect(box.y).toBeLessThan(200);
    expect(box.score).toBeGreaterThan(0.5);
  });

  it("finds the three-quarter face on camera.png (a grey image)", async () => {
    expect((await facesIn(fixture("camera.png"))).faces).toBe(1);
  });

  it("finds two faces when astronaut and camera are composed side by side (composed here with sharp)", async () => {
    const result = await facesIn(await twoFaces());
    expect(result.faces).toBe(2);
    const lefts = result.boxes.map((b) => b.x).sort((a, b) => a - b);
    expect(lefts[0]).toBeLessThan(512);
    expect(lefts[1]).toBeGreaterThan(512);
  });

  it("finds no face on the cat, the coffee or the rocket", async () => {
    for (const name of ["chelsea.png", "coffee.png", "rocket.jpg"]) {
      expect({ name, faces: (await facesIn(fixture(name))).faces }).toEqual({ name, faces: 0 });
    }
  });

  it("finds a face in the lower part of a tall 9:16 frame (composed here: astronaut at 540 px on white)", async () => {
    // Padded to a square, this face is too small for the detector; the square windows find it.
    const portrait = await sharp(fixture("astronaut.png")).resize(540).png().toBuffer();
    const frame = await sharp({ create: { width: 1080, height: 1920, channels: 3, background: "#ffffff" } })
      .composite([{ input: portrait, left: 540, top: 1380 }])
      .jpeg()
      .toBuffer();
    const result = await facesIn(frame);
    expect(result.faces).toBe(1);
    expect(result.boxes[0].y).toBeGreaterThan(1380);
  });
});

describe("square windows and box merging", () => {
  it("adds no windows for near-square images and spans the long side otherwise", () => {
    expect(squareWindows(TINY_INPUT_SIZE, 400)).toEqual([]);
    expect(squareWindows(320, 569)).toEqual([0, 249]);
    expect(squareWindows(320, 1280)).toEqual([0, 320, 640, 960]);
  });

  it("keeps the best box of a face seen twice and keeps separate faces", () => {
    const face = { x: 10, y: 10, width: 100, height: 100, score: 0.9 };
    const sameFaceFromTile = { x: 20, y: 15, width: 90, height: 90, score: 0.7 };
    const otherFace = { x: 300, y: 10, width: 80, height: 80, score: 0.6 };
    expect(mergeOverlapping([sameFaceFromTile, otherFace, face])).toEqual([face, otherFace]);
  });
});
