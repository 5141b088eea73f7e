/** Helpers for the recording tests: ffprobe, polling, a browser that plays a clip. */
import { launchChromium } from "./helpers/browser.ts";
import { demoGraph } from "../lib/capture/ffmpeg_args.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every 250 ms until it returns a value (not undefined); throws after `ms`. */
export async function poll<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(250);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export interface Probe {
  codec: string;
  profile: string;
  width: number;
  height: number;
  duration: number;
  /** Presentation times (s) of the keyframes. */
  keyframes: number[];
}

/** ffprobe of a file's first video stream. */
export async function probe(path: string): Promise<Probe> {
  const r = await new Deno.Command("ffprobe", {
    args: [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=codec_name,profile,width,height:format=duration:packet=pts_time,flags",
      "-of",
      "json",
      path,
    ],
  }).output();
  const j = JSON.parse(new TextDecoder().decode(r.stdout));
  const s = j.streams[0];
  return {
    codec: s.codec_name,
    profile: s.profile,
    width: s.width,
    height: s.height,
    duration: Number(j.format.duration),
    keyframes: j.packets.filter((p: { flags: string }) => p.flags.startsWith("K"))
      .map((p: { pts_time: string }) => Number(p.pts_time)).sort((a: number, b: number) => a - b),
  };
}

/** The demo scene rendered to an H.264 MP4 (a keyframe every `gop` frames, B-frames on). */
export async function demoH264File(
  path: string,
  o: { width: number; height: number; fps: number; seconds: number; gop: number },
): Promise<void> {
  const r = await new Deno.Command("ffmpeg", {
    args: [
      "-hide_banner",
      "-v",
      "error",
      "-y",
      "-f",
      "lavfi",
      "-i",
      demoGraph(o.width, o.height, o.fps),
      "-t",
      String(o.seconds),
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-g",
      String(o.gop),
      "-bf",
      "2",
      "-pix_fmt",
      "yuv420p",
      path,
    ],
  }).output();
  if (r.code !== 0) throw new Error(new TextDecoder().decode(r.stderr));
}

/**
 * Opens `pageUrl` in headless chromium with the session cookie, finds (or adds) a `<video>`
 * playing `clipUrl`, and reports readyState, duration and whether seeking to the middle works.
 */
export async function playInChromium(
  base: string,
  cookie: string,
  pageUrl: string,
  clipUrl: string | null,
): Promise<
  { readyState: number; duration: number; seeked: boolean; currentTime: number; boxes: number }
> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const [name, value] = cookie.split("=");
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    await page.goto(pageUrl);
    return await page.evaluate(async (src) => {
      let v = document.querySelector("video") as HTMLVideoElement | null;
      if (!v || src) {
        v = document.createElement("video");
        v.muted = true;
        v.src = src!;
        document.body.append(v);
      }
      const video = v;
      const wait = (ev: string, ms: number) =>
        new Promise<boolean>((resolve) => {
          const t = setTimeout(() => resolve(false), ms);
          video.addEventListener(ev, () => {
            clearTimeout(t);
            resolve(true);
          }, { once: true });
        });
      if (video.readyState < 2) {
        video.preload = "auto";
        video.load();
        await wait("loadeddata", 10_000);
      }
      const readyState = video.readyState;
      const duration = video.duration;
      const target = duration / 2;
      const seeking = wait("seeked", 10_000);
      video.currentTime = target;
      const seeked = await seeking;
      // the island draws the boxes after the seek (and after it hydrated, later on a busy
      // machine): wait for them, up to 5 s, instead of a fixed pause
      const count = () => document.querySelectorAll(".clip-stage .box").length;
      const stage = document.querySelector(".clip-stage") !== null;
      for (let i = 0; stage && i < 50 && count() === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const boxes = count();
      return { readyState, duration, seeked, currentTime: video.currentTime, boxes };
    }, clipUrl);
  } finally {
    await browser.close();
  }
}
