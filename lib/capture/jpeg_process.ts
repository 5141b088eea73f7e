/**
 * One long-lived helper ffmpeg that takes bytes on stdin and answers with back-to-back JPEGs on
 * stdout: the on-demand encoder (raw pictures in) and decoder (the camera's packets in) both run
 * one. Writes reach ffmpeg whole and in order; each JPEG goes to `onJpeg`; its last stderr lines
 * are kept for the message when it exits.
 */

import { JpegStream } from "./jpeg_stream.ts";

export class JpegProcess {
  /** ffmpeg's exit code, once it has exited and its output has been read. */
  readonly exited: Promise<number>;
  readonly #proc: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #writing: Promise<void> = Promise.resolve();
  readonly #stderr: string[] = [];

  /** `onJpeg` gets a view, valid only during the call. */
  constructor(ffmpegPath: string, args: string[], onJpeg: (jpeg: Uint8Array) => void) {
    const proc = new Deno.Command(ffmpegPath, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#proc = proc;
    this.#writer = proc.stdin.getWriter();
    const jpegs = new JpegStream();
    jpegs.onImage = onJpeg;
    const out = (async () => {
      try {
        for await (const chunk of proc.stdout) jpegs.push(chunk);
      } catch (err) {
        this.note(`vigil: cannot read ffmpeg's JPEGs: ${(err as Error).message}`);
        this.kill();
      }
    })();
    const err = (async () => {
      const text = new TextDecoder();
      try {
        for await (const chunk of proc.stderr) this.note(text.decode(chunk));
      } catch {
        // gone
      }
    })();
    this.exited = Promise.all([out, err, proc.status]).then(([, , status]) => status.code);
  }

  /** Queues bytes; resolves once ffmpeg took them (or its pipe broke: `exited` tells the rest). */
  write(bytes: Uint8Array): Promise<void> {
    const writer = this.#writer;
    this.#writing = this.#writing.then(() => writer.write(bytes)).catch(() => {});
    return this.#writing;
  }

  /** Adds a line to what `stderr` shows (Vigil's own notes about this process). */
  note(text: string): void {
    this.#stderr.push(text);
    if (this.#stderr.length > 10) this.#stderr.shift();
  }

  /** The end of ffmpeg's stderr, for the message when it exits. */
  get stderr(): string {
    return this.#stderr.join("").trim().slice(-300);
  }

  kill(): void {
    try {
      this.#proc.kill("SIGKILL");
    } catch {
      // gone
    }
  }

  /** Ends ffmpeg's input and waits for it to exit (killed after 2 s). */
  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch {
      // already broken
    }
    const t = setTimeout(() => this.kill(), 2000);
    try {
      await this.#proc.status;
    } finally {
      clearTimeout(t);
    }
    await this.#writing;
  }
}
