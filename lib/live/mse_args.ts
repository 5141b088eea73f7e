/**
 * @module
 * ffmpeg's command line for a camera's live video relay: the camera's own H.264 copied, never
 * decoded (`-c:v copy`), as fragmented MP4 on stdout, one fragment per frame so a frame leaves
 * ffmpeg as soon as the next one arrives (`frag_every_frame`; `frag_keyframe` alone would hold a
 * whole GOP, seconds). `input` is lib/capture's inputArgs for the source, as the recorder uses.
 */

/** The movflags of the relay's MP4: streamable (moov first, empty) and a fragment per frame. */
export const RELAY_MOVFLAGS = "+empty_moov+default_base_moof+frag_keyframe+frag_every_frame";

export function relayArgs(input: string[]): string[] {
  return [
    "-hide_banner",
    "-nostdin",
    "-nostats",
    "-loglevel",
    "error",
    ...input,
    "-map",
    "0:v:0",
    "-c:v",
    "copy",
    "-an",
    "-sn",
    "-dn",
    "-f",
    "mp4",
    "-movflags",
    RELAY_MOVFLAGS,
    // each fragment is written to the pipe at once, not when ffmpeg's I/O buffer fills
    "-flush_packets",
    "1",
    "pipe:1",
  ];
}
