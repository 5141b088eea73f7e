import assert from "node:assert/strict";
import {
  CAMERA_ID,
  encodeFrame,
  type FrameHeader,
  isMode,
  MODES,
  parseClientMessage,
  parseFrame,
} from "./protocol.ts";

const JPEG = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);

Deno.test("encodeFrame() and parseFrame() round-trip the header and the JPEG", () => {
  const header: FrameHeader = {
    camera: "front",
    ts: 1_795_334_400_123,
    boxes: [[10, 20, 30, 40], [0, 0, 1, 1]],
    eventId: 12,
    score: 0.75,
    motion: true,
  };
  const bytes = encodeFrame(header, JPEG);
  const n = new DataView(bytes.buffer).getUint32(0, false);
  assert.equal(bytes.length, 4 + n + JPEG.length, "length prefix + header + JPEG, nothing else");
  assert.deepEqual(JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n))), header);
  for (const input of [bytes, bytes.buffer]) {
    const parsed = parseFrame(input);
    assert.deepEqual(parsed.header, header);
    assert.deepEqual([...parsed.jpeg], [...JPEG]);
  }
  // a view into a larger buffer (what a socket may hand over) parses the same
  const big = new Uint8Array(bytes.length + 10);
  big.set(bytes, 5);
  assert.deepEqual(parseFrame(big.subarray(5, 5 + bytes.length)).header, header);
});

Deno.test("encodeFrame() writes non-ASCII camera names as UTF-8, counted in bytes", () => {
  const bytes = encodeFrame({ camera: "jardín-ü", ts: 1, boxes: [] }, new Uint8Array(0));
  const { header, jpeg } = parseFrame(bytes);
  assert.equal(header.camera, "jardín-ü");
  assert.equal(jpeg.length, 0);
});

Deno.test("parseFrame() throws a TypeError on malformed input", () => {
  const withHeader = (json: string, tail = JPEG) => {
    const h = new TextEncoder().encode(json);
    const out = new Uint8Array(4 + h.length + tail.length);
    new DataView(out.buffer).setUint32(0, h.length);
    out.set(h, 4);
    out.set(tail, 4 + h.length);
    return out;
  };
  const cases: [string, Uint8Array | ArrayBuffer][] = [
    ["empty", new Uint8Array(0)],
    ["shorter than the prefix", new Uint8Array([0, 0, 1])],
    [
      "length beyond the message",
      (() => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setUint32(0, 100);
        return b;
      })(),
    ],
    ["length 2^32-1", new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2])],
    ["header not JSON", withHeader("{not json")],
    [
      "header not UTF-8",
      (() => {
        const b = withHeader('{"camera":"a","ts":1,"boxes":[]}');
        b[6] = 0xff;
        return b;
      })(),
    ],
    ["header null", withHeader("null")],
    ["header an array", withHeader("[1,2]")],
    ["no camera", withHeader('{"ts":1,"boxes":[]}')],
    ["camera not a string", withHeader('{"camera":1,"ts":1,"boxes":[]}')],
    ["ts missing", withHeader('{"camera":"a","boxes":[]}')],
    ["ts a string", withHeader('{"camera":"a","ts":"1","boxes":[]}')],
    ["boxes not an array", withHeader('{"camera":"a","ts":1,"boxes":{}}')],
    ["a box of 3", withHeader('{"camera":"a","ts":1,"boxes":[[1,2,3]]}')],
    ["a box of strings", withHeader('{"camera":"a","ts":1,"boxes":[["1","2","3","4"]]}')],
  ];
  for (const [name, input] of cases) {
    assert.throws(() => parseFrame(input), TypeError, name);
  }
});

Deno.test("parseClientMessage() accepts only the mode message and says why otherwise", () => {
  for (const mode of MODES) {
    assert.deepEqual(parseClientMessage(JSON.stringify({ type: "mode", mode })), {
      type: "mode",
      mode,
    });
  }
  // extra fields are ignored, the answer carries only what the server acts on
  assert.deepEqual(parseClientMessage('{"type":"mode","mode":"live","x":1}'), {
    type: "mode",
    mode: "live",
  });
  const errors: [string, RegExp][] = [
    ["nope", /not valid JSON/],
    ["[1]", /JSON object/],
    ["null", /JSON object/],
    ['"mode"', /JSON object/],
    ['{"type":"hello"}', /unknown message type "hello"/],
    ["{}", /unknown message type \(none\)/],
    ['{"type":"mode","mode":"fast"}', /unknown mode "fast"/],
    ['{"type":"mode"}', /unknown mode \(none\)/],
    [`{"type":"${"x".repeat(500)}"}`, /^unknown message type "x{39}: /],
  ];
  for (const [text, re] of errors) {
    const r = parseClientMessage(text);
    assert.ok("error" in r, text);
    assert.match(r.error, re, text);
  }
});

Deno.test("isMode() and CAMERA_ID accept exactly the contract's values", () => {
  assert.deepEqual(MODES, ["detect", "live", "off"]);
  assert.ok(MODES.every(isMode));
  for (const v of ["", "LIVE", "on", null, 1, undefined]) assert.ok(!isMode(v), String(v));
  for (const id of ["a", "cam_1", "front-door", "x".repeat(32), "0"]) {
    assert.ok(CAMERA_ID.test(id), id);
  }
  for (const id of ["", "A", "a b", "a/b", "..", "x".repeat(33), "ü", "a\n"]) {
    assert.ok(!CAMERA_ID.test(id), JSON.stringify(id));
  }
});

Deno.test("delta frames: parseFrame() keeps a valid delta and refuses a malformed one", () => {
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);
  const base = { camera: "c", ts: 1, boxes: [] };
  const key = parseFrame(encodeFrame({ ...base, delta: { seq: 1, key: true } }, jpeg));
  assert.deepEqual(key.header.delta, { seq: 1, key: true });
  const tiles = { seq: 2, key: false, width: 40, height: 20, tile: 16, cols: 2, tiles: [0, 5] };
  assert.deepEqual(parseFrame(encodeFrame({ ...base, delta: tiles }, jpeg)).header.delta, tiles);
  for (
    const bad of [
      { seq: 2, key: false }, // no grid
      { ...tiles, tiles: [6] }, // 3×2 tiles: 6 is outside
      { ...tiles, tiles: [1.5] },
      { ...tiles, cols: 0 },
      { ...tiles, seq: "2" },
      "key",
    ]
  ) {
    const msg = encodeFrame({ ...base, delta: bad as never }, jpeg);
    assert.throws(() => parseFrame(msg), TypeError, JSON.stringify(bad));
  }
});

Deno.test("parseClientMessage() takes an optional delta switch with the mode", () => {
  assert.deepEqual(parseClientMessage('{"type":"mode","mode":"live","delta":true}'), {
    type: "mode",
    mode: "live",
    delta: true,
  });
  assert.deepEqual(parseClientMessage('{"type":"mode","mode":"live"}'), {
    type: "mode",
    mode: "live",
  });
  const r = parseClientMessage('{"type":"mode","mode":"live","delta":1}');
  assert.ok("error" in r && /delta must be true or false/.test(r.error));
});
