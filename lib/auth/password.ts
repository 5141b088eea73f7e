/**
 * Password hashing with scrypt (node:crypto): memory-hard, salted, parameters stored with the
 * hash so they can be raised later without breaking existing accounts.
 *
 * Stored format: `scrypt$<log2 N>$<r>$<p>$<salt base64url>$<key base64url>`.
 */
import { Buffer } from "node:buffer";
import { randomBytes, scrypt, scryptSync, timingSafeEqual } from "node:crypto";

export interface KdfParams {
  /** log2 of scrypt's CPU/memory cost N (15 → N = 32768, 32 MiB with r = 8). */
  logN: number;
  r: number;
  p: number;
}

/** ~100-150 ms on a laptop core, 32 MiB of memory per hash. */
export const DEFAULT_KDF: KdfParams = { logN: 15, r: 8, p: 1 };

const KEY_LEN = 32;
const SALT_LEN = 16;
/** Longest password accepted anywhere (bounds KDF input work). */
export const MAX_PASSWORD_LENGTH = 1024;

function maxmem(k: KdfParams): number {
  return 128 * k.r * (2 ** k.logN) * 2 + 1024 * 1024;
}

function checkParams(k: KdfParams): void {
  if (!Number.isInteger(k.logN) || k.logN < 1 || k.logN > 22) {
    throw new RangeError(`scrypt logN must be an integer 1..22, got ${k.logN}`);
  }
  if (!Number.isInteger(k.r) || k.r < 1 || k.r > 32) {
    throw new RangeError(`scrypt r must be an integer 1..32, got ${k.r}`);
  }
  if (!Number.isInteger(k.p) || k.p < 1 || k.p > 16) {
    throw new RangeError(`scrypt p must be an integer 1..16, got ${k.p}`);
  }
}

function encode(k: KdfParams, salt: Uint8Array, key: Uint8Array): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64url");
  return `scrypt$${k.logN}$${k.r}$${k.p}$${b64(salt)}$${b64(key)}`;
}

interface Parsed {
  k: KdfParams;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | null {
  const m = /^scrypt\$(\d{1,2})\$(\d{1,2})\$(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/
    .exec(stored);
  if (!m) return null;
  const k = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  try {
    checkParams(k);
  } catch {
    return null;
  }
  const key = Buffer.from(m[5], "base64url");
  if (key.length !== KEY_LEN) return null;
  return { k, salt: Buffer.from(m[4], "base64url"), key };
}

/**
 * Async scrypt runs in progress in this process, and the most seen at once: counted where the
 * memory is taken, so tests can check the login's cap without measuring RSS.
 */
export const kdfLoad = {
  running: 0,
  peak: 0,
  resetPeak(): void {
    this.peak = this.running;
  },
};

async function derive(password: string, salt: Uint8Array, k: KdfParams): Promise<Buffer> {
  kdfLoad.running++;
  kdfLoad.peak = Math.max(kdfLoad.peak, kdfLoad.running);
  try {
    return await new Promise((resolve, reject) =>
      scrypt(
        password.normalize("NFC"),
        salt,
        KEY_LEN,
        { N: 2 ** k.logN, r: k.r, p: k.p, maxmem: maxmem(k) },
        (err, key) => err ? reject(err) : resolve(key),
      )
    );
  } finally {
    kdfLoad.running--;
  }
}

/** Hashes a password (async: the work runs off the event loop). */
export async function hashPassword(password: string, k: KdfParams = DEFAULT_KDF): Promise<string> {
  checkParams(k);
  const salt = randomBytes(SALT_LEN);
  return encode(k, salt, await derive(password, salt, k));
}

/** Synchronous variant for first-run setup and the CLI. */
export function hashPasswordSync(password: string, k: KdfParams = DEFAULT_KDF): string {
  checkParams(k);
  const salt = randomBytes(SALT_LEN);
  const key = scryptSync(password.normalize("NFC"), salt, KEY_LEN, {
    N: 2 ** k.logN,
    r: k.r,
    p: k.p,
    maxmem: maxmem(k),
  });
  return encode(k, salt, key);
}

/**
 * True when `password` matches `stored`. Constant-time comparison of the derived keys; a
 * malformed stored hash never matches (and still costs one KDF run with `fallback` params).
 */
export async function verifyPassword(
  password: string,
  stored: string,
  fallback: KdfParams = DEFAULT_KDF,
): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) {
    await derive(password, randomBytes(SALT_LEN), fallback);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.k);
  return timingSafeEqual(key, parsed.key);
}

/** The parameters a stored hash was made with (null when it is not a hash of ours). */
export function kdfParamsOf(stored: string): KdfParams | null {
  return parse(stored)?.k ?? null;
}

/** A random password for first runs: 20 characters from a 56-letter unambiguous alphabet (~116 bits). */
export function generatePassword(length = 20): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  const out: string[] = [];
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out.push(alphabet[b % alphabet.length]);
    }
  }
  return out.join("");
}
