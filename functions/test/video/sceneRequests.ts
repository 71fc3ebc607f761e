import { join } from "node:path";
import type { SceneScript } from "../../src/contract/run";
import type { SceneVideoRequest } from "../../src/contract/providers";

/** The product image the video adapters' tests send as the first frame. */
export const SCENE_IMAGE = join(__dirname, "..", "fixtures", "images", "rocket.jpg");

/**
 * Makes requests for fresh scenes, each with a prompt of its own that a stand-in answers with the
 * script recorded for it in `scripts`; clips are written under `outDir()`.
 */
export function sceneRequests<Script>(runId: string, scripts: Map<string, Script>, outDir: () => string) {
  let counter = 0;
  return (script: Script, frame = { width: 1080, height: 1920 }, durationSec = 5): SceneVideoRequest => {
    counter++;
    const scene: SceneScript = {
      title: `Scene ${counter}`,
      shot: "Slow push-in on the product on a marble counter",
      videoPrompt: `Scene ${counter}: the rocket lifts off slowly, cinematic light, product in focus`,
      narration: "Built to fly.",
      motion: "zoom_in",
      durationSec,
    };
    scripts.set(scene.videoPrompt, script);
    return {
      runId,
      sceneIndex: counter - 1,
      scene,
      imageFile: SCENE_IMAGE,
      outFile: join(outDir(), "out", `scene-${counter}.mp4`),
      ...frame,
    };
  };
}
