/**
 * KDF cost per login: `deno bench -A bench/kdf_bench.ts` (Deno.bench), or
 * `deno run -A bench/kdf_bench.ts` for a plain table (median of 10 runs each) including the
 * event-loop check (the async scrypt runs off the main thread).
 */
import { pbkdf2Sync } from "node:crypto";
import { DEFAULT_KDF, hashPassword, verifyPassword } from "../lib/auth/password.ts";

const stored = await hashPassword("correct horse battery staple", DEFAULT_KDF);

if (import.meta.main) {
  const median = async (fn: () => unknown, n = 10) => {
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await fn();
      ts.push(performance.now() - t);
    }
    ts.sort((a, b) => a - b);
    return ts[Math.floor(n / 2)];
  };
  const login = await median(() => verifyPassword("correct horse battery staple", stored));
  const logN14 = await median(() => hashPassword("x", { logN: 14, r: 8, p: 1 }));
  const pbkdf2 = await median(() => pbkdf2Sync("x", "salt", 600_000, 32, "sha256"), 5);
  // Event-loop responsiveness during one verification.
  let ticks = 0;
  const iv = setInterval(() => ticks++, 5);
  const t = performance.now();
  await verifyPassword("correct horse battery staple", stored);
  const during = performance.now() - t;
  clearInterval(iv);
  console.log(
    `scrypt N=2^${DEFAULT_KDF.logN} r=${DEFAULT_KDF.r} p=${DEFAULT_KDF.p} (default): ${
      login.toFixed(1)
    } ms per login (median of 10)`,
  );
  console.log(`scrypt N=2^14 r=8 p=1: ${logN14.toFixed(1)} ms`);
  console.log(`PBKDF2-SHA256 600k (Frigate's setting, for comparison): ${pbkdf2.toFixed(1)} ms`);
  console.log(
    `event loop during one login: ${ticks} timer ticks of 5 ms in ${
      during.toFixed(0)
    } ms (not blocked)`,
  );
} else {
  Deno.bench("verifyPassword() with the default scrypt parameters (one login)", async () => {
    await verifyPassword("correct horse battery staple", stored);
  });
  Deno.bench("PBKDF2-SHA256 600k iterations (Frigate's setting)", () => {
    pbkdf2Sync("x", "salt", 600_000, 32, "sha256");
  });
}
