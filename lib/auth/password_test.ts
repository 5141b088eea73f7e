import assert from "node:assert/strict";
import {
  generatePassword,
  hashPassword,
  hashPasswordSync,
  kdfParamsOf,
  verifyPassword,
} from "./password.ts";

const CHEAP = { logN: 10, r: 8, p: 1 };

Deno.test("hashPassword() salts: same password, different hashes, both verify", async () => {
  const a = await hashPassword("correct horse", CHEAP);
  const b = await hashPassword("correct horse", CHEAP);
  assert.notEqual(a, b);
  assert.match(a, /^scrypt\$10\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.equal(await verifyPassword("correct horse", a), true);
  assert.equal(await verifyPassword("correct horse", b), true);
  assert.equal(await verifyPassword("correct hors", a), false);
  assert.equal(await verifyPassword("Correct horse", a), false);
  assert.equal(await verifyPassword("", a), false);
});

Deno.test("hashPasswordSync() matches verifyPassword() and keeps its parameters", async () => {
  const h = hashPasswordSync("pässwörd", CHEAP);
  assert.deepEqual(kdfParamsOf(h), CHEAP);
  assert.equal(await verifyPassword("pässwörd", h), true);
  // NFC and NFD spellings of the same text are the same password.
  assert.equal(await verifyPassword("pa\u0308sswo\u0308rd", h), true);
});

Deno.test("verifyPassword() never matches a malformed or tampered hash", async () => {
  const h = await hashPassword("secret-pass", CHEAP);
  for (
    const bad of [
      "",
      "plain",
      "scrypt$10$8$1$$",
      h.slice(0, -2),
      h.replace("scrypt$10", "scrypt$99"),
      // Not the last character: its low 2 bits are padding, so A↔B there decodes the same key.
      h.slice(0, -5) + (h.at(-5) === "A" ? "B" : "A") + h.slice(-4),
    ]
  ) {
    assert.equal(await verifyPassword("secret-pass", bad, CHEAP), false, bad);
  }
});

Deno.test("generatePassword() gives 20 unambiguous characters, different each time", () => {
  const a = generatePassword();
  assert.match(a, /^[a-km-np-zA-HJ-NP-Z2-9]{20}$/);
  assert.notEqual(a, generatePassword());
});
