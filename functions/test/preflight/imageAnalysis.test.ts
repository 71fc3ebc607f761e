import { analyzeImage, kMeansPalette, laplacianVariance } from "../../src/preflight/imageAnalysis";
import { decodeUpload } from "../../src/preflight/imageFile";
import { fixture } from "../support/samples";

const rgbOf = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

describe("analyzeImage", () => {
  it("is deterministic: two decodes of the same bytes give identical analyses", async () => {
    const first = await analyzeImage(await decodeUpload(fixture("coffee.png")));
    const second = await analyzeImage(await decodeUpload(fixture("coffee.png")));
    expect(second).toEqual(first);
  });

  it("gives coffee a warm palette with dark brown among its colours, dominant first", async () => {
    const analysis = await analyzeImage(await decodeUpload(fixture("coffee.png")));
    expect([analysis.width, analysis.height]).toEqual([600, 400]);
    expect(analysis.palette.length).toBeGreaterThanOrEqual(3);
    expect(analysis.palette.every((hex) => /^#[0-9a-f]{6}$/.test(hex))).toBe(true);
    expect(analysis.dominant).toBe(analysis.palette[0]);
    // What we assert and why: coffee in a cup on a wooden table is red-dominant (r > b) in
    // every non-white cluster, and at least one cluster is dark (the coffee itself).
    const colours = analysis.palette.map(rgbOf);
    const nonWhite = colours.filter(([r, g, b]) => Math.min(r, g, b) < 200);
    expect(nonWhite.every(([r, , b]) => r > b)).toBe(true);
    expect(colours.some(([r, g, b]) => Math.max(r, g, b) < 80)).toBe(true);
  });

  it("orders brightness and sharpness as the pictures look", async () => {
    const [coffee, blur, rocket] = await Promise.all(
      ["coffee.png", "coffee_blur.png", "rocket.jpg"].map(async (name) =>
        analyzeImage(await decodeUpload(fixture(name))),
      ),
    );
    expect(coffee.brightness).toBeGreaterThan(0);
    expect(coffee.brightness).toBeLessThan(1);
    expect(rocket.brightness).toBeLessThan(coffee.brightness); // a night launch
    expect(blur.sharpness * 10).toBeLessThan(coffee.sharpness);
  });
});

describe("laplacianVariance", () => {
  it("is 0 on a flat image and large on a checkerboard", () => {
    const flat = { data: Buffer.alloc(16 * 16, 128), width: 16, height: 16 };
    const checker = { data: Buffer.alloc(16 * 16), width: 16, height: 16 };
    for (let i = 0; i < 256; i++) checker.data[i] = ((i % 16) + Math.floor(i / 16)) % 2 ? 255 : 0;
    expect(laplacianVariance(flat)).toBe(0);
    expect(laplacianVariance(checker)).toBeGreaterThan(100_000);
  });
});

describe("kMeansPalette", () => {
  it("finds the two colours of a two-colour image, larger area first", () => {
    const width = 10;
    const height = 10;
    const data = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) data.set(i < 70 ? [200, 30, 30] : [20, 40, 220], i * 3);
    expect(kMeansPalette({ data, width, height }, 5)).toEqual(["#c81e1e", "#1428dc"]);
  });
});
