/**
 * A tiny WebAssembly assembler for the detector's kernel (lib/motion/_kernel_source.ts): the
 * linear (not folded) text form of WAT, one instruction per line, for the few instructions the
 * kernel uses. No toolchain needed: `deno task wasm` turns the source into the embedded bytes.
 *
 * Supported: `local.get/set/tee $name`, `i32.const N`, `f64.const X`, `block/loop/if $label` (no results),
 * `else`, `end`, `br/br_if $label`, loads and stores with optional `offset=N` (natural
 * alignment), `v128.store64_lane N` (lane), `i8x16.shuffle` with 16 lane indices,
 * `memory.copy`, and the plain opcodes listed below. `;;` starts a comment.
 */

type ValType = "i32" | "f64" | "v128";
const VALTYPE: Record<ValType, number> = { i32: 0x7f, f64: 0x7c, v128: 0x7b };

/** Plain instructions: no immediates. */
const PLAIN: Record<string, number> = {
  "unreachable": 0x00,
  "nop": 0x01,
  "else": 0x05,
  "end": 0x0b,
  "return": 0x0f,
  "drop": 0x1a,
  "select": 0x1b,
  "i32.eqz": 0x45,
  "i32.eq": 0x46,
  "i32.ne": 0x47,
  "i32.lt_s": 0x48,
  "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a,
  "i32.gt_u": 0x4b,
  "i32.le_s": 0x4c,
  "i32.le_u": 0x4d,
  "i32.ge_s": 0x4e,
  "i32.ge_u": 0x4f,
  "i32.clz": 0x67,
  "i32.ctz": 0x68,
  "i32.popcnt": 0x69,
  "i32.add": 0x6a,
  "i32.sub": 0x6b,
  "i32.mul": 0x6c,
  "i32.and": 0x71,
  "i32.or": 0x72,
  "i32.xor": 0x73,
  "i32.shl": 0x74,
  "i32.shr_s": 0x75,
  "i32.shr_u": 0x76,
  "f64.convert_i32_s": 0xb7,
  "i32.trunc_f64_s": 0xaa,
  "f64.lt": 0x63,
  "f64.gt": 0x64,
  "f64.abs": 0x99,
  "f64.neg": 0x9a,
  "f64.add": 0xa0,
  "f64.sub": 0xa1,
  "f64.mul": 0xa2,
  "f64.min": 0xa4,
  "f64.max": 0xa5,
};

/** SIMD instructions without immediates (prefix 0xfd, then the LEB128 opcode). */
const SIMD: Record<string, number> = {
  "i8x16.splat": 0x0f,
  "i16x8.splat": 0x10,
  "i32x4.splat": 0x11,
  "f64x2.splat": 0x14,
  "v128.not": 0x4d,
  "v128.and": 0x4e,
  "v128.andnot": 0x4f,
  "v128.or": 0x50,
  "v128.xor": 0x51,
  "v128.bitselect": 0x52,
  "i8x16.narrow_i16x8_u": 0x66,
  "i16x8.narrow_i32x4_u": 0x86,
  "i16x8.extend_low_i8x16_u": 0x89,
  "i16x8.extend_high_i8x16_u": 0x8a,
  "i16x8.shl": 0x8b,
  "i16x8.shr_u": 0x8d,
  "i16x8.add": 0x8e,
  "i32x4.bitmask": 0xa4,
  "i32x4.extend_low_i16x8_u": 0xa9,
  "i32x4.extend_high_i16x8_u": 0xaa,
  "i16x8.narrow_i32x4_s": 0x85,
  "i16x8.bitmask": 0x84,
  "i32x4.shl": 0xab,
  "i32x4.shr_s": 0xac,
  "i32x4.shr_u": 0xad,
  "i32x4.add": 0xae,
  "i32x4.sub": 0xb1,
  "i32x4.mul": 0xb5,
  "i32x4.min_s": 0xb6,
  "i32x4.max_s": 0xb8,
  "i32x4.gt_s": 0x3b,
  "f64x2.add": 0xf0,
  "f64x2.mul": 0xf2,
  "f64x2.min": 0xf4,
  "f64x2.max": 0xf5,
  "i32x4.trunc_sat_f64x2_s_zero": 0xfc,
  "f64x2.convert_low_i32x4_s": 0xfe,
};

/** Memory instructions: [prefix (0 = none), opcode, log2 of the natural alignment]. */
const MEM: Record<string, [number, number, number]> = {
  "i32.load": [0, 0x28, 2],
  "i32.load8_u": [0, 0x2d, 0],
  "i32.load16_u": [0, 0x2f, 1],
  "i32.store": [0, 0x36, 2],
  "i32.store8": [0, 0x3a, 0],
  "i32.store16": [0, 0x3b, 1],
  "f64.load": [0, 0x2b, 3],
  "f64.store": [0, 0x39, 3],
  "v128.load": [0xfd, 0x00, 4],
  "v128.load16x4_u": [0xfd, 0x04, 3],
  "v128.store": [0xfd, 0x0b, 4],
  "v128.load32_zero": [0xfd, 0x5c, 2],
  "v128.load64_zero": [0xfd, 0x5d, 3],
};

function uleb(n: number, out: number[]): void {
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
}

function sleb(n: number, out: number[]): void {
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  out.push(...b);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

export interface AsmFunction {
  name: string;
  params: [string, ValType][];
  locals: [string, ValType][];
  /** Linear WAT text, one instruction per line. */
  body: string;
}

function assembleBody(f: AsmFunction): number[] {
  const index = new Map<string, number>();
  [...f.params, ...f.locals].forEach(([n], i) => index.set(n, i));
  const code: number[] = [];
  // locals: one entry per declared local (simple, not grouped)
  uleb(f.locals.length, code);
  for (const [, t] of f.locals) code.push(1, VALTYPE[t]);
  const labels: (string | null)[] = [];
  const lines = f.body.split("\n");
  for (let ln = 0; ln < lines.length; ln++) {
    const text = lines[ln].replace(/;;.*$/, "").trim();
    if (text === "") continue;
    const [op, ...args] = text.split(/\s+/);
    const where = `${f.name}: line ${ln + 1}: ${text}`;
    const local = () => {
      const i = index.get(args[0].replace(/^\$/, ""));
      if (i === undefined) throw new Error(`${where}: unknown local`);
      return i;
    };
    if (op === "local.get" || op === "local.set" || op === "local.tee") {
      code.push(op === "local.get" ? 0x20 : op === "local.set" ? 0x21 : 0x22);
      uleb(local(), code);
    } else if (op === "i32.const") {
      code.push(0x41);
      sleb(Number(args[0]) | 0, code);
    } else if (op === "f64.const") {
      code.push(0x44);
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, Number(args[0]), true);
      code.push(...b);
    } else if (op === "block" || op === "loop" || op === "if") {
      code.push(op === "block" ? 0x02 : op === "loop" ? 0x03 : 0x04, 0x40);
      labels.push(args[0] ?? null);
    } else if (op === "end") {
      if (labels.length === 0) throw new Error(`${where}: end without block`);
      labels.pop();
      code.push(0x0b);
    } else if (op === "br" || op === "br_if") {
      const depth = labels.length - 1 - labels.lastIndexOf(args[0]);
      if (!labels.includes(args[0])) throw new Error(`${where}: unknown label`);
      code.push(op === "br" ? 0x0c : 0x0d);
      uleb(depth, code);
    } else if (op === "memory.copy") {
      code.push(0xfc, 10, 0, 0);
    } else if (op === "v128.store64_lane") {
      code.push(0xfd, 0x5b, 3, 0, Number(args[0]));
    } else if (op === "i8x16.shuffle") {
      if (args.length !== 16) throw new Error(`${where}: 16 lanes`);
      code.push(0xfd, 0x0d, ...args.map(Number));
    } else if (op in MEM) {
      const [prefix, opcode, align] = MEM[op];
      if (prefix) code.push(prefix);
      uleb(opcode, code);
      const off = args.find((a) => a.startsWith("offset="));
      code.push(align);
      uleb(off ? Number(off.slice(7)) : 0, code);
    } else if (op in PLAIN) {
      code.push(PLAIN[op]);
    } else if (op in SIMD) {
      code.push(0xfd);
      uleb(SIMD[op], code);
    } else {
      throw new Error(`${where}: unknown instruction`);
    }
  }
  if (labels.length !== 0) throw new Error(`${f.name}: ${labels.length} blocks not closed`);
  code.push(0x0b);
  const out: number[] = [];
  uleb(code.length, out);
  out.push(...code);
  return out;
}

/**
 * A module that imports its memory as `env.mem` and exports the given functions (no results).
 */
export function assemble(funcs: AsmFunction[]): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(funcs.length, types);
  for (const f of funcs) {
    types.push(0x60);
    uleb(f.params.length, types);
    for (const [, t] of f.params) types.push(VALTYPE[t]);
    types.push(0);
  }
  section(1, types, out);
  const imports: number[] = [1];
  name("env", imports);
  name("mem", imports);
  imports.push(0x02, 0x00, 1); // memory, no maximum, at least 1 page
  section(2, imports, out);
  const fnsec: number[] = [];
  uleb(funcs.length, fnsec);
  funcs.forEach((_, i) => uleb(i, fnsec));
  section(3, fnsec, out);
  const exports: number[] = [];
  uleb(funcs.length, exports);
  funcs.forEach((f, i) => {
    name(f.name, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  const codesec: number[] = [];
  uleb(funcs.length, codesec);
  for (const f of funcs) codesec.push(...assembleBody(f));
  section(10, codesec, out);
  return new Uint8Array(out);
}
