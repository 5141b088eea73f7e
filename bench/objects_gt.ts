import { decode, Image } from "imagescript";
export async function gtBoxes(
  path: string | URL,
  minPixels = 30,
): Promise<[number, number, number, number][]> {
  const img = await decode(await Deno.readFile(path)) as Image;
  const { width: w, height: h, bitmap } = img;
  const seen = new Uint8Array(w * h);
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < w * h; i++) {
    if (seen[i] || bitmap[i * 4] !== 255) continue;
    let x1 = w, y1 = h, x2 = 0, y2 = 0, n = 0;
    const stack = [i];
    seen[i] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w, y = (p / w) | 0;
      n++;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y);
      for (const q of [p - 1, p + 1, p - w, p + w]) {
        if (q < 0 || q >= w * h || seen[q] || bitmap[q * 4] !== 255) continue;
        if ((q === p - 1 && x === 0) || (q === p + 1 && x === w - 1)) continue;
        seen[q] = 1;
        stack.push(q);
      }
    }
    if (n >= minPixels) out.push([x1, y1, x2 - x1 + 1, y2 - y1 + 1]);
  }
  return out;
}
if (import.meta.main) {
  for (const f of Deno.args) {
    console.log(f.split("/").slice(-3).join("/"), JSON.stringify(await gtBoxes(f)));
  }
}
