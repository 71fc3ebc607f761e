/** Just enough RIFF/WAVE to wrap provider PCM and to check the audio we got back. */

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  data: Buffer;
}

export function encodeWav(audio: PcmAudio): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = (audio.channels * audio.bitsPerSample) / 8;
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + audio.data.length, 4);
  header.write("WAVE", 8, "ascii");
  header.write("fmt ", 12, "ascii");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(audio.channels, 22);
  header.writeUInt32LE(audio.sampleRate, 24);
  header.writeUInt32LE(audio.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(audio.bitsPerSample, 34);
  header.write("data", 36, "ascii");
  header.writeUInt32LE(audio.data.length, 40);
  return Buffer.concat([header, audio.data]);
}

/**
 * Reads a PCM WAV. Streamed WAVs (OpenAI's) may carry placeholder chunk sizes,
 * so a data chunk is cut at the end of the buffer rather than refused.
 */
export function decodeWav(wav: Buffer): PcmAudio {
  if (wav.length < 12 || wav.toString("ascii", 0, 4) !== "RIFF" || wav.toString("ascii", 8, 12) !== "WAVE") {
    throw new Error("not a RIFF/WAVE file");
  }
  let format: Omit<PcmAudio, "data"> | undefined;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString("ascii", offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === "fmt ") {
      if (wav.readUInt16LE(body) !== 1) throw new Error("WAV is not PCM");
      format = {
        channels: wav.readUInt16LE(body + 2),
        sampleRate: wav.readUInt32LE(body + 4),
        bitsPerSample: wav.readUInt16LE(body + 14),
      };
    } else if (id === "data") {
      if (!format) throw new Error("WAV data chunk before its fmt chunk");
      return { ...format, data: wav.subarray(body, Math.min(wav.length, body + size)) };
    }
    offset = body + size + (size % 2);
  }
  throw new Error("WAV has no data chunk");
}

export function durationSec(audio: PcmAudio): number {
  const bytesPerSecond = (audio.sampleRate * audio.channels * audio.bitsPerSample) / 8;
  return bytesPerSecond > 0 ? audio.data.length / bytesPerSecond : 0;
}

/** Peak level of 16-bit PCM in 0..1; 0 for silence. */
export function peakLevel(audio: PcmAudio): number {
  if (audio.bitsPerSample !== 16) return 1;
  let peak = 0;
  for (let i = 0; i + 1 < audio.data.length; i += 2) peak = Math.max(peak, Math.abs(audio.data.readInt16LE(i)));
  return peak / 32768;
}
