/** Turning ffmpeg's exit and last stderr lines into one message that says what to do. */

import { sourceKind } from "./ffmpeg_args.ts";
import { forViewers, publicSource } from "./redact.ts";

/** A capture run that ended badly: the exit code, ffmpeg's last stderr lines, and advice. */
export class CaptureError extends Error {
  override name = "CaptureError";
  constructor(
    message: string,
    readonly code: number | null,
    readonly stderr: string[],
  ) {
    super(message);
  }
}

export const FFMPEG_MISSING =
  "ffmpeg was not found: install it (Debian, Ubuntu, Raspberry Pi OS: " +
  "`sudo apt install ffmpeg`)";

interface Rule {
  test: RegExp;
  advice: (source: string) => string;
}

const RULES: Rule[] = [
  {
    test: /Permission denied/i,
    advice: (s) =>
      sourceKind(s) === "v4l2"
        ? `Cannot open ${s}: permission denied (add the user to the 'video' group: ` +
          "`sudo usermod -aG video $USER`, then log in again)"
        : `Cannot open ${s}: permission denied (check the file's permissions)`,
  },
  {
    test: /Device or resource busy/i,
    advice: (s) =>
      `Cannot open ${s}: the device is busy (another program is using the camera; ` +
      `find it with \`fuser ${s}\` and stop it)`,
  },
  {
    test: /Inappropriate ioctl|Not a video capture device|Not a video4linux/i,
    advice: (s) =>
      `${s} is not a video capture device (list the cameras and their formats with ` +
      "`deno task devices`)",
  },
  {
    test: /Cannot find a proper format|Invalid argument.*video_size|ioctl\(VIDIOC_S_FMT\)/i,
    advice: (s) =>
      `${s} does not support the requested format, size or frame rate (see what it offers ` +
      `with \`deno task devices ${s}\`, then set inputFormat, width, height, fps)`,
  },
  {
    test: /401 Unauthorized|403 Forbidden|authorization failed|Unauthorized/i,
    advice: (s) =>
      `${s} refused the credentials (401/403: put the right user and password in the URL, ` +
      "before the host: user:password@host)",
  },
  {
    // RTSP servers without TCP interleaving (e.g. npm rtsp-streaming-server) refuse SETUP.
    test: /461 Unsupported transport/i,
    advice: (s) =>
      `${s} does not offer RTSP over TCP (461: set "rtspTransport": "udp" for this camera)`,
  },
  {
    test: /404 Not Found|Server returned 404|method DESCRIBE failed: 404/i,
    advice: (s) => `${s} does not exist on the server (404: check the stream path in the URL)`,
  },
  {
    test: /Connection refused/i,
    advice: (s) =>
      `Cannot connect to ${s}: connection refused (is the camera or server on, and the port right?)`,
  },
  {
    test: /Connection timed out|timed out|Network is unreachable|No route to host/i,
    advice: (s) =>
      `Cannot reach ${s}: no answer (check that the camera is powered and on the network, ` +
      "and the address)",
  },
  {
    test:
      /Name or service not known|Failed to resolve hostname|Temporary failure in name resolution/i,
    advice: (s) =>
      `Cannot resolve the host name of ${s} (check the address or use the camera's IP)`,
  },
  {
    test: /No such file or directory/i,
    advice: (s) =>
      sourceKind(s) === "v4l2"
        ? `Cannot open ${s}: no such device (is the camera plugged in? list cameras with ` +
          "`deno task devices`)"
        : `Cannot open ${s}: no such file`,
  },
  {
    test:
      /Protocol not found|Unknown input format|Invalid data found when processing input|could not find codec parameters|does not contain any stream|Unsupported codec|Output file #0 does not contain any stream|matches no streams/i,
    advice: (s) =>
      `${s} is not a video ffmpeg can read (unsupported format or not a video stream; ` +
      "try it with `ffplay`, and for HTTP use an MJPEG URL)",
  },
  {
    test: /Stream ends prematurely|End of file|Connection reset|Broken pipe|Server returned 5\d\d/i,
    advice: (s) => `The stream from ${s} ended (the camera or server closed it); retrying`,
  },
];

/**
 * The user-facing message for a run that ended: which source, what went wrong and what to do,
 * followed by ffmpeg's last stderr line.
 */
export function explainExit(
  source: string,
  code: number | null,
  signal: string | null,
  stderr: string[],
  run?: RunFacts,
): string {
  // Messages reach every signed-in viewer: the source as host and path only.
  const shown = publicSource(source);
  const text = stderr.join("\n");
  const last = lastMeaningfulLine(stderr);
  if (run && noAnswer(source, text, run)) {
    return withLast(
      `Cannot reach ${shown}: no answer within ${Math.round(run.timeoutMs / 1000)} s ` +
        "(the server accepted the connection but sent nothing; check that the camera is " +
        "working and that the port and path are those of its stream)",
      last,
    );
  }
  for (const rule of RULES) {
    if (rule.test.test(text)) return withLast(rule.advice(shown), last);
  }
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return withLast(`ffmpeg ${how} while reading ${shown}`, last);
}

/** How a run went, for what its stderr alone cannot tell. */
export interface RunFacts {
  /** How long ffmpeg ran (ms). */
  ranMs: number;
  /** Whether any frame came out. */
  gotFrames: boolean;
  /** The socket timeout ffmpeg was given (ms). */
  timeoutMs: number;
}

/** Rules whose cause is known (anything but "not a video" and "timed out"). */
const SPECIFIC = RULES.filter((r) => !/Invalid data found|timed out/.test(r.test.source));

/**
 * A network source that accepted the connection and never answered: ffmpeg's socket timeout
 * fired (RTSP reports that as "Invalid data found when processing input"), no frame came, and
 * the run lasted the timeout. A server that sends something unreadable fails at once instead.
 */
function noAnswer(source: string, text: string, run: RunFacts): boolean {
  const kind = sourceKind(source);
  if ((kind !== "rtsp" && kind !== "http") || run.gotFrames) return false;
  if (run.ranMs < run.timeoutMs * 0.9) return false;
  return !SPECIFIC.some((r) => r.test.test(text));
}

function lastMeaningfulLine(lines: string[]): string {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line && !/^Exiting normally|^Conversion failed!?$/.test(line)) return forViewers(line);
  }
  return "";
}

function withLast(message: string, last: string): string {
  return last ? `${message} — ffmpeg: ${last}` : message;
}
