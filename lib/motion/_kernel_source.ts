/**
 * Source of the detector's WebAssembly SIMD kernel, in linear WAT text (assembled by
 * _wasm_asm.ts). It does, bit for bit, what the JavaScript in detector.ts does for the
 * per-pixel passes: the blur (`blurWords`/`#blur`), the light re-mapping of the background
 * (`#compensate`) and the difference/threshold/update pass (`diffFrame` + `foreground`).
 * The detector's test runs both on the same frames and compares every mask and result.
 *
 * Rebuild the embedded bytes (lib/motion/_kernel_wasm.ts) after a change: `deno task wasm`.
 * @module
 */
import { assemble } from "./_wasm_asm.ts";
import type { AsmFunction } from "./_wasm_asm.ts";

/** Offsets of the integer parameters in `par` (the same P_* indices as detector.ts). */
const P = {
  T2: 0,
  K2Q: 4,
  MAXVAR: 8,
  QBG: 12,
  QFG: 16,
  ABSORB: 20,
  QABSORB: 24,
  QGHOST: 28,
  TSTILL: 32,
  TQ: 36,
  PHASE: 40,
};

const i32 = "i32" as const, v128 = "v128" as const, f64 = "f64" as const;

/**
 * blur(src, dst, w, h, tmp): one pass of the 3×3 binomial blur, edges replicated. Per row: the
 * vertical sums (a + 2b + c) into `tmp` as u16 with the edge columns repeated (tmp[0] and
 * tmp[w+1]), then the horizontal (l + 2c + r + 8) >> 4, 16 pixels at a time (the last chunk
 * overlaps the one before when w is not a multiple of 16). Needs w >= 16.
 */
const blur: AsmFunction = {
  name: "blur",
  params: [["src", i32], ["dst", i32], ["w", i32], ["h", i32], ["tmp", i32]],
  locals: [
    ["y", i32],
    ["r0", i32],
    ["r1", i32],
    ["r2", i32],
    ["d", i32],
    ["x", i32],
    ["xs", i32],
    ["p", i32],
    ["a", v128],
    ["b", v128],
    ["c", v128],
    ["v8", v128],
  ],
  body: `
    i32.const 8
    i16x8.splat
    local.set $v8
    block $rows_done
    loop $rows
      local.get $y
      local.get $h
      i32.ge_s
      br_if $rows_done
      local.get $src
      local.get $y
      local.get $w
      i32.mul
      i32.add
      local.tee $r1
      local.tee $r0
      local.set $r2
      local.get $y
      if
        local.get $r1
        local.get $w
        i32.sub
        local.set $r0
      end
      local.get $y
      local.get $h
      i32.const 1
      i32.sub
      i32.lt_s
      if
        local.get $r1
        local.get $w
        i32.add
        local.set $r2
      end
      local.get $dst
      local.get $y
      local.get $w
      i32.mul
      i32.add
      local.set $d
      ;; vertical sums into tmp[1..w]
      i32.const 0
      local.set $x
      block $v_done
      loop $v
        local.get $x
        local.get $w
        i32.ge_s
        br_if $v_done
        local.get $x
        local.get $w
        i32.const 16
        i32.sub
        local.get $x
        local.get $w
        i32.const 16
        i32.sub
        i32.lt_s
        select
        local.set $xs
        local.get $r0
        local.get $xs
        i32.add
        v128.load
        local.set $a
        local.get $r1
        local.get $xs
        i32.add
        v128.load
        local.set $b
        local.get $r2
        local.get $xs
        i32.add
        v128.load
        local.set $c
        local.get $tmp
        local.get $xs
        i32.const 1
        i32.shl
        i32.add
        local.tee $p
        local.get $a
        i16x8.extend_low_i8x16_u
        local.get $b
        i16x8.extend_low_i8x16_u
        i32.const 1
        i16x8.shl
        i16x8.add
        local.get $c
        i16x8.extend_low_i8x16_u
        i16x8.add
        v128.store offset=2
        local.get $p
        local.get $a
        i16x8.extend_high_i8x16_u
        local.get $b
        i16x8.extend_high_i8x16_u
        i32.const 1
        i16x8.shl
        i16x8.add
        local.get $c
        i16x8.extend_high_i8x16_u
        i16x8.add
        v128.store offset=18
        local.get $x
        i32.const 16
        i32.add
        local.set $x
        br $v
      end
      end
      ;; replicated edges: tmp[0] = tmp[1], tmp[w+1] = tmp[w]
      local.get $tmp
      local.get $tmp
      i32.load16_u offset=2
      i32.store16
      local.get $tmp
      local.get $w
      i32.const 1
      i32.shl
      i32.add
      local.tee $p
      local.get $p
      i32.load16_u
      i32.store16 offset=2
      ;; horizontal
      i32.const 0
      local.set $x
      block $h_done
      loop $hz
        local.get $x
        local.get $w
        i32.ge_s
        br_if $h_done
        local.get $x
        local.get $w
        i32.const 16
        i32.sub
        local.get $x
        local.get $w
        i32.const 16
        i32.sub
        i32.lt_s
        select
        local.set $xs
        local.get $tmp
        local.get $xs
        i32.const 1
        i32.shl
        i32.add
        local.set $p
        local.get $d
        local.get $xs
        i32.add
        local.get $p
        v128.load
        local.get $p
        v128.load offset=4
        i16x8.add
        local.get $p
        v128.load offset=2
        i32.const 1
        i16x8.shl
        i16x8.add
        local.get $v8
        i16x8.add
        i32.const 4
        i16x8.shr_u
        local.get $p
        v128.load offset=16
        local.get $p
        v128.load offset=20
        i16x8.add
        local.get $p
        v128.load offset=18
        i32.const 1
        i16x8.shl
        i16x8.add
        local.get $v8
        i16x8.add
        i32.const 4
        i16x8.shr_u
        i8x16.narrow_i16x8_u
        v128.store
        local.get $x
        i32.const 16
        i32.add
        local.set $x
        br $hz
      end
      end
      local.get $y
      i32.const 1
      i32.add
      local.set $y
      br $rows
    end
    end
  `,
};

/** Loads `par[k]` into local `$name`. */
const param = (k: number, local: string) => `
    local.get $par
    i32.load offset=${k}
    local.set $${local}`;

/** Pushes near(v, <i32 on the stack>, tq) after storing it in $nm. */
const near = `
    local.set $nm
    local.get $v
    local.get $nm
    i32.sub
    local.get $tq
    i32.lt_s
    local.get $nm
    local.get $v
    i32.sub
    local.get $tq
    i32.lt_s
    i32.and`;

/**
 * diff(frame, prev, mean, var, still, fg, last, scratch, w, h, par): diffFrame() and
 * foreground() of detector.ts. Per word of 32 pixels: 4 pixels at a time, the threshold into
 * the word's bits, still pixels' `still >>= 1` and (on update rows) their mean and variance
 * update; then the moving pixels in order, as foreground() does. On update rows the row's
 * means are first copied to `scratch`, so a moving pixel reads its right neighbour's mean as it
 * was before this frame's update, as the scalar loop does. Needs w to be a multiple of 4.
 */
const diff: AsmFunction = {
  name: "diff",
  params: [
    ["frame", i32],
    ["prev", i32],
    ["mean", i32],
    ["var", i32],
    ["still", i32],
    ["fg", i32],
    ["last", i32],
    ["scratch", i32],
    ["w", i32],
    ["h", i32],
    ["par", i32],
  ],
  locals: [
    ["t2", i32],
    ["k2q", i32],
    ["maxVar", i32],
    ["qBg", i32],
    ["qFg", i32],
    ["absorb", i32],
    ["qAbsorb", i32],
    ["qGhost", i32],
    ["tStill", i32],
    ["tq", i32],
    ["phase", i32],
    ["y", i32],
    ["row", i32],
    ["x0", i32],
    ["end", i32],
    ["x", i32],
    ["i", i32],
    ["bits", i32],
    ["t", i32],
    ["upd", i32],
    ["pm", i32],
    ["pv", i32],
    ["ps", i32],
    ["m", i32],
    ["dg", i32],
    ["c", i32],
    ["q", i32],
    ["f", i32],
    ["v", i32],
    ["nm", i32],
    ["g", i32],
    ["pl", i32],
    ["vt2", v128],
    ["vk2q", v128],
    ["vmaxVar", v128],
    ["vqBg", v128],
    ["vm", v128],
    ["vdg", v128],
    ["vd2", v128],
    ["vv", v128],
    ["vmv", v128],
    ["vs", v128],
    ["vmh", v128],
    ["vdgh", v128],
    ["vd2h", v128],
    ["vvh", v128],
    ["vmvh", v128],
    ["vf", v128],
    ["c65280", v128],
    ["c0", v128],
    ["c65535", v128],
    ["c128", v128],
    ["c2048", v128],
  ],
  body: `
    ${param(P.T2, "t2")}
    ${param(P.K2Q, "k2q")}
    ${param(P.MAXVAR, "maxVar")}
    ${param(P.QBG, "qBg")}
    ${param(P.QFG, "qFg")}
    ${param(P.ABSORB, "absorb")}
    ${param(P.QABSORB, "qAbsorb")}
    ${param(P.QGHOST, "qGhost")}
    ${param(P.TSTILL, "tStill")}
    ${param(P.TQ, "tq")}
    ${param(P.PHASE, "phase")}
    local.get $t2
    i32x4.splat
    local.set $vt2
    local.get $k2q
    i32x4.splat
    local.set $vk2q
    local.get $maxVar
    i32x4.splat
    local.set $vmaxVar
    local.get $qBg
    i32x4.splat
    local.set $vqBg
    i32.const 65280
    i32x4.splat
    local.set $c65280
    i32.const 0
    i32x4.splat
    local.set $c0
    i32.const 65535
    i32x4.splat
    local.set $c65535
    i32.const 128
    i32x4.splat
    local.set $c128
    i32.const 2048
    i32x4.splat
    local.set $c2048
    block $rows_done
    loop $rows
      local.get $y
      local.get $h
      i32.ge_s
      br_if $rows_done
      local.get $y
      local.get $w
      i32.mul
      local.set $row
      ;; still pixels update on one row in 2, the rows taking turns
      local.get $y
      local.get $phase
      i32.add
      i32.const 1
      i32.and
      i32.eqz
      local.tee $upd
      if
        local.get $scratch
        local.get $mean
        local.get $row
        i32.const 2
        i32.shl
        i32.add
        local.get $w
        i32.const 2
        i32.shl
        memory.copy
      end
      i32.const 0
      local.set $x0
      block $words_done
      loop $words
        local.get $x0
        local.get $w
        i32.ge_s
        br_if $words_done
        local.get $x0
        i32.const 32
        i32.add
        local.tee $end
        local.get $w
        local.get $end
        local.get $w
        i32.lt_s
        select
        local.set $end
        i32.const 0
        local.set $bits
        local.get $x0
        local.set $x
        ;; 8 pixels at a time (two halves of 4 in 32-bit lanes), then 4 at a time
        block $px8_done
        loop $px8
          local.get $x
          i32.const 8
          i32.add
          local.get $end
          i32.gt_s
          br_if $px8_done
          local.get $row
          local.get $x
          i32.add
          local.set $i
          local.get $mean
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          local.set $pm
          local.get $frame
          local.get $i
          i32.add
          v128.load64_zero
          i16x8.extend_low_i8x16_u
          local.set $vf
          ;; the variance (8 x u16), widened per half below
          local.get $var
          local.get $i
          i32.const 1
          i32.shl
          i32.add
          local.tee $pv
          v128.load
          local.set $vs
          local.get $vf
          i32x4.extend_low_i16x8_u
          i32.const 8
          i32x4.shl
          local.get $pm
          v128.load offset=0
          local.tee $vm
          local.get $c65280
          i32x4.min_s
          local.get $c0
          i32x4.max_s
          i32x4.sub
          i32.const 4
          i32x4.shr_s
          local.tee $vdg
          local.get $vdg
          i32x4.mul
          local.set $vd2
          local.get $vs
          i32x4.extend_low_i16x8_u
          local.set $vv
          local.get $vd2
          local.get $vt2
          i32x4.gt_s
          local.get $vd2
          local.get $vk2q
          local.get $vv
          i32x4.mul
          i32x4.gt_s
          v128.and
          local.set $vmv
          local.get $vf
          i32x4.extend_high_i16x8_u
          i32.const 8
          i32x4.shl
          local.get $pm
          v128.load offset=16
          local.tee $vmh
          local.get $c65280
          i32x4.min_s
          local.get $c0
          i32x4.max_s
          i32x4.sub
          i32.const 4
          i32x4.shr_s
          local.tee $vdgh
          local.get $vdgh
          i32x4.mul
          local.set $vd2h
          local.get $vs
          i32x4.extend_high_i16x8_u
          local.set $vvh
          local.get $vd2h
          local.get $vt2
          i32x4.gt_s
          local.get $vd2h
          local.get $vk2q
          local.get $vvh
          i32x4.mul
          i32x4.gt_s
          v128.and
          local.set $vmvh
          ;; the moving mask in 16-bit lanes: the word's bits, still counters halved
          local.get $vmv
          local.get $vmvh
          i16x8.narrow_i32x4_s
          local.tee $vs
          i16x8.bitmask
          local.get $x
          local.get $x0
          i32.sub
          i32.shl
          local.get $bits
          i32.or
          local.set $bits
          local.get $still
          local.get $i
          i32.const 1
          i32.shl
          i32.add
          local.tee $ps
          local.get $ps
          v128.load
          local.tee $vf
          local.get $vf
          i32.const 1
          i16x8.shr_u
          local.get $vs
          v128.bitselect
          v128.store
          local.get $upd
          if
            local.get $pm
            local.get $vm
            local.get $vm
            local.get $vqBg
            local.get $vdg
            i32x4.mul
            local.get $c128
            i32x4.add
            i32.const 8
            i32x4.shr_s
            i32x4.add
            local.get $vmv
            v128.bitselect
            v128.store offset=0
            local.get $vv
            local.get $vv
            local.get $vqBg
            local.get $vd2
            i32.const 4
            i32x4.shr_s
            local.get $c65535
            i32x4.min_s
            local.get $vv
            i32x4.sub
            i32x4.mul
            local.get $c2048
            i32x4.add
            i32.const 12
            i32x4.shr_s
            i32x4.add
            local.get $vmaxVar
            i32x4.min_s
            local.get $vmv
            v128.bitselect
            local.set $vv
            local.get $pm
            local.get $vmh
            local.get $vmh
            local.get $vqBg
            local.get $vdgh
            i32x4.mul
            local.get $c128
            i32x4.add
            i32.const 8
            i32x4.shr_s
            i32x4.add
            local.get $vmvh
            v128.bitselect
            v128.store offset=16
            local.get $vvh
            local.get $vvh
            local.get $vqBg
            local.get $vd2h
            i32.const 4
            i32x4.shr_s
            local.get $c65535
            i32x4.min_s
            local.get $vvh
            i32x4.sub
            i32x4.mul
            local.get $c2048
            i32x4.add
            i32.const 12
            i32x4.shr_s
            i32x4.add
            local.get $vmaxVar
            i32x4.min_s
            local.get $vmvh
            v128.bitselect
            local.set $vvh
            local.get $pv
            local.get $vv
            local.get $vvh
            i16x8.narrow_i32x4_u
            v128.store
          end
          local.get $x
          i32.const 8
          i32.add
          local.set $x
          br $px8
        end
        end
        block $px_done
        loop $px
          local.get $x
          local.get $end
          i32.ge_s
          br_if $px_done
          local.get $row
          local.get $x
          i32.add
          local.set $i
          ;; dg = ((frame << 8) - clamp(mean, 0, 65280)) >> 4
          local.get $frame
          local.get $i
          i32.add
          v128.load32_zero
          i16x8.extend_low_i8x16_u
          i32x4.extend_low_i16x8_u
          i32.const 8
          i32x4.shl
          local.get $mean
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          local.tee $pm
          v128.load
          local.tee $vm
          local.get $c65280
          i32x4.min_s
          local.get $c0
          i32x4.max_s
          i32x4.sub
          i32.const 4
          i32x4.shr_s
          local.tee $vdg
          local.get $vdg
          i32x4.mul
          local.set $vd2
          local.get $var
          local.get $i
          i32.const 1
          i32.shl
          i32.add
          local.tee $pv
          v128.load16x4_u
          local.set $vv
          ;; moving: d2 > t2 && d2 > k2q * v
          local.get $vd2
          local.get $vt2
          i32x4.gt_s
          local.get $vd2
          local.get $vk2q
          local.get $vv
          i32x4.mul
          i32x4.gt_s
          v128.and
          local.tee $vmv
          i32x4.bitmask
          local.get $x
          local.get $x0
          i32.sub
          i32.shl
          local.get $bits
          i32.or
          local.set $bits
          ;; still pixels: still >>= 1
          local.get $still
          local.get $i
          i32.const 1
          i32.shl
          i32.add
          local.tee $ps
          local.get $ps
          v128.load16x4_u
          local.tee $vs
          local.get $vs
          i32.const 1
          i32x4.shr_u
          local.get $vmv
          v128.bitselect
          local.tee $vs
          local.get $vs
          i16x8.narrow_i32x4_u
          v128.store64_lane 0
          local.get $upd
          if
            ;; mean += (qBg * dg + 128) >> 8
            local.get $pm
            local.get $vm
            local.get $vm
            local.get $vqBg
            local.get $vdg
            i32x4.mul
            local.get $c128
            i32x4.add
            i32.const 8
            i32x4.shr_s
            i32x4.add
            local.get $vmv
            v128.bitselect
            v128.store
            ;; v += (qBg * (min(d2 >> 4, 65535) - v) + 2048) >> 12, at most maxVar
            local.get $pv
            local.get $vv
            local.get $vv
            local.get $vqBg
            local.get $vd2
            i32.const 4
            i32x4.shr_s
            local.get $c65535
            i32x4.min_s
            local.get $vv
            i32x4.sub
            i32x4.mul
            local.get $c2048
            i32x4.add
            i32.const 12
            i32x4.shr_s
            i32x4.add
            local.get $vmaxVar
            i32x4.min_s
            local.get $vmv
            v128.bitselect
            local.tee $vv
            local.get $vv
            i16x8.narrow_i32x4_u
            v128.store64_lane 0
          end
          local.get $x
          i32.const 4
          i32.add
          local.set $x
          br $px
        end
        end
        ;; the moving pixels, in order: foreground()
        local.get $bits
        local.set $t
        block $mv_done
        loop $mv
          local.get $t
          i32.eqz
          br_if $mv_done
          local.get $t
          i32.ctz
          local.get $x0
          i32.add
          local.set $x
          local.get $t
          local.get $t
          i32.const 1
          i32.sub
          i32.and
          local.set $t
          local.get $row
          local.get $x
          i32.add
          local.set $i
          local.get $mean
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          local.tee $pm
          i32.load
          local.set $m
          local.get $frame
          local.get $i
          i32.add
          i32.load8_u
          local.tee $f
          i32.const 8
          i32.shl
          local.tee $v
          ;; clamp(m, 0, 65280)
          local.get $m
          i32.const 65280
          local.get $m
          i32.const 65280
          i32.lt_s
          select
          local.tee $nm
          i32.const 0
          local.get $nm
          i32.const 0
          i32.gt_s
          select
          i32.sub
          i32.const 4
          i32.shr_s
          local.set $dg
          ;; still counter: up while unchanged (|f - prev| <= tStill), else halved
          local.get $still
          local.get $i
          i32.const 1
          i32.shl
          i32.add
          local.tee $ps
          i32.load16_u
          local.set $c
          local.get $f
          local.get $prev
          local.get $i
          i32.add
          i32.load8_u
          i32.sub
          local.tee $nm
          local.get $tStill
          i32.le_s
          local.get $nm
          i32.const 0
          local.get $tStill
          i32.sub
          i32.ge_s
          i32.and
          if
            local.get $c
            i32.const 1
            i32.add
            i32.const 32767
            i32.and
            local.set $c
          else
            local.get $c
            i32.const 1
            i32.shr_u
            local.set $c
          end
          local.get $ps
          local.get $c
          i32.store16
          local.get $qAbsorb
          local.set $q
          local.get $c
          local.get $absorb
          i32.lt_s
          if
            ;; ghost edge: a 4-neighbour still in the last mask whose mean the pixel matches
            i32.const 0
            local.set $g
            local.get $last
            local.get $i
            i32.add
            local.set $pl
            block $gh
              local.get $x
              if
                local.get $pl
                i32.const 1
                i32.sub
                i32.load8_u
                i32.eqz
                if
                  local.get $pm
                  i32.const 4
                  i32.sub
                  i32.load
                  ${near}
                  local.tee $g
                  br_if $gh
                end
              end
              local.get $x
              local.get $w
              i32.const 1
              i32.sub
              i32.lt_s
              if
                local.get $pl
                i32.load8_u offset=1
                i32.eqz
                if
                  local.get $scratch
                  local.get $x
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load offset=4
                  local.get $pm
                  i32.load offset=4
                  local.get $upd
                  select
                  ${near}
                  local.tee $g
                  br_if $gh
                end
              end
              local.get $y
              if
                local.get $pl
                local.get $w
                i32.sub
                i32.load8_u
                i32.eqz
                if
                  local.get $pm
                  local.get $w
                  i32.const 2
                  i32.shl
                  i32.sub
                  i32.load
                  ${near}
                  local.tee $g
                  br_if $gh
                end
              end
              local.get $y
              local.get $h
              i32.const 1
              i32.sub
              i32.lt_s
              if
                local.get $pl
                local.get $w
                i32.add
                i32.load8_u
                i32.eqz
                if
                  local.get $pm
                  local.get $w
                  i32.const 2
                  i32.shl
                  i32.add
                  i32.load
                  ${near}
                  local.set $g
                end
              end
            end
            local.get $qGhost
            local.get $qFg
            local.get $g
            select
            local.set $q
          end
          local.get $pm
          local.get $m
          local.get $q
          local.get $dg
          i32.mul
          i32.const 128
          i32.add
          i32.const 8
          i32.shr_s
          i32.add
          i32.store
          br $mv
        end
        end
        local.get $fg
        local.get $bits
        i32.store
        local.get $fg
        i32.const 4
        i32.add
        local.set $fg
        local.get $x0
        i32.const 32
        i32.add
        local.set $x0
        br $words
      end
      end
      local.get $y
      i32.const 1
      i32.add
      local.set $y
      br $rows
    end
    end
  `,
};

/**
 * remap(mean, var, n, maxMean, fpar): the background mapped through a light change,
 * mean = trunc(clamp(a·mean + b256, ±maxMean)), var = trunc(min(a2·var, 65535)), in doubles as
 * the JavaScript does, with [a, b256, a2] the f64s at `fpar` (in memory, not parameters: V8's
 * mid tier boxes each f64 argument of a call into WebAssembly, a heap allocation per frame).
 * n is a multiple of 4.
 */
const remap: AsmFunction = {
  name: "remap",
  params: [
    ["mean", i32],
    ["var", i32],
    ["n", i32],
    ["maxMean", i32],
    ["fpar", i32],
  ],
  locals: [
    ["a", f64],
    ["b256", f64],
    ["a2", f64],
    ["i", i32],
    ["p", i32],
    ["va", v128],
    ["vb", v128],
    ["va2", v128],
    ["vhi", v128],
    ["vlo", v128],
    ["vmax", v128],
    ["x", v128],
  ],
  body: `
    local.get $fpar
    f64.load
    local.set $a
    local.get $fpar
    f64.load offset=8
    local.set $b256
    local.get $fpar
    f64.load offset=16
    local.set $a2
    local.get $a
    f64x2.splat
    local.set $va
    local.get $b256
    f64x2.splat
    local.set $vb
    local.get $a2
    f64x2.splat
    local.set $va2
    local.get $maxMean
    f64.convert_i32_s
    f64x2.splat
    local.set $vhi
    i32.const 0
    local.get $maxMean
    i32.sub
    f64.convert_i32_s
    f64x2.splat
    local.set $vlo
    i32.const 65535
    f64.convert_i32_s
    f64x2.splat
    local.set $vmax
    block $done
    loop $each
      local.get $i
      local.get $n
      i32.ge_s
      br_if $done
      local.get $mean
      local.get $i
      i32.const 2
      i32.shl
      i32.add
      local.tee $p
      local.get $p
      v128.load
      local.tee $x
      f64x2.convert_low_i32x4_s
      local.get $va
      f64x2.mul
      local.get $vb
      f64x2.add
      local.get $vhi
      f64x2.min
      local.get $vlo
      f64x2.max
      i32x4.trunc_sat_f64x2_s_zero
      local.get $x
      local.get $x
      i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
      f64x2.convert_low_i32x4_s
      local.get $va
      f64x2.mul
      local.get $vb
      f64x2.add
      local.get $vhi
      f64x2.min
      local.get $vlo
      f64x2.max
      i32x4.trunc_sat_f64x2_s_zero
      i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      v128.store
      local.get $var
      local.get $i
      i32.const 1
      i32.shl
      i32.add
      local.tee $p
      local.get $p
      v128.load16x4_u
      local.tee $x
      f64x2.convert_low_i32x4_s
      local.get $va2
      f64x2.mul
      local.get $vmax
      f64x2.min
      i32x4.trunc_sat_f64x2_s_zero
      local.get $x
      local.get $x
      i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15
      f64x2.convert_low_i32x4_s
      local.get $va2
      f64x2.mul
      local.get $vmax
      f64x2.min
      i32x4.trunc_sat_f64x2_s_zero
      i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      local.tee $x
      local.get $x
      i16x8.narrow_i32x4_u
      v128.store64_lane 0
      local.get $i
      i32.const 4
      i32.add
      local.set $i
      br $each
    end
    end
  `,
};

/**
 * The sampling loops of `#compensate` (one pixel in `step` on every `step`-th row, skipping
 * pixels in the last mask or masked out), in the same double-precision operations and order:
 * - sums(…, 0): c, Σm, Σx, Σm², Σxm over the samples (m = mean/256, x = frame) into out[0..4];
 * - sums(…, 1): the same over the samples within ±tau of a·m + b, with [a, b, tau] the f64s
 *   at out[5..7] (in memory, not parameters: V8's mid tier boxes each f64 argument of a call
 *   into WebAssembly, a heap allocation per frame);
 * - noise(…): the histogram of |x - clamp(m, 0, 255)| in bins of 1/4 (at most 1023) into
 *   `hist` (cleared first), the sample count into out[0].
 */
const sampleLoop = (body: string) => `
    i32.const 0
    local.set $y
    block $rows_done
    loop $rows
      local.get $y
      local.get $h
      i32.ge_s
      br_if $rows_done
      local.get $y
      local.get $w
      i32.mul
      local.tee $i
      local.get $w
      i32.add
      local.set $end
      block $px_done
      loop $px
        local.get $i
        local.get $end
        i32.ge_s
        br_if $px_done
        block $skip
          local.get $last
          local.get $i
          i32.add
          i32.load8_u
          local.get $ignore
          local.get $i
          i32.add
          i32.load8_u
          i32.or
          br_if $skip
          local.get $mean
          local.get $i
          i32.const 2
          i32.shl
          i32.add
          i32.load
          f64.convert_i32_s
          f64.const 0.00390625
          f64.mul
          local.set $m
          local.get $frame
          local.get $i
          i32.add
          i32.load8_u
          f64.convert_i32_s
          local.set $x
          ${body}
        end
        local.get $i
        local.get $step
        i32.add
        local.set $i
        br $px
      end
      end
      local.get $y
      local.get $step
      i32.add
      local.set $y
      br $rows
    end
    end`;

const sampleParams: [string, "i32"][] = [
  ["frame", i32],
  ["mean", i32],
  ["last", i32],
  ["ignore", i32],
  ["w", i32],
  ["h", i32],
  ["step", i32],
  ["out", i32],
];

const sums: AsmFunction = {
  name: "sums",
  params: [...sampleParams, ["robust", i32]],
  locals: [
    ["a", f64],
    ["b", f64],
    ["tau", f64],
    ["y", i32],
    ["i", i32],
    ["end", i32],
    ["c", i32],
    ["m", f64],
    ["x", f64],
    ["r", f64],
    ["sm", f64],
    ["sx", f64],
    ["smm", f64],
    ["sxm", f64],
  ],
  body: `
    local.get $out
    f64.load offset=40
    local.set $a
    local.get $out
    f64.load offset=48
    local.set $b
    local.get $out
    f64.load offset=56
    local.set $tau
    ${
    sampleLoop(`
          local.get $robust
          if
            local.get $x
            local.get $a
            local.get $m
            f64.mul
            local.get $b
            f64.add
            f64.sub
            local.tee $r
            local.get $tau
            f64.gt
            local.get $r
            local.get $tau
            f64.neg
            f64.lt
            i32.or
            br_if $skip
          end
          local.get $c
          i32.const 1
          i32.add
          local.set $c
          local.get $sm
          local.get $m
          f64.add
          local.set $sm
          local.get $sx
          local.get $x
          f64.add
          local.set $sx
          local.get $smm
          local.get $m
          local.get $m
          f64.mul
          f64.add
          local.set $smm
          local.get $sxm
          local.get $x
          local.get $m
          f64.mul
          f64.add
          local.set $sxm`)
  }
    local.get $out
    local.get $c
    f64.convert_i32_s
    f64.store
    local.get $out
    local.get $sm
    f64.store offset=8
    local.get $out
    local.get $sx
    f64.store offset=16
    local.get $out
    local.get $smm
    f64.store offset=24
    local.get $out
    local.get $sxm
    f64.store offset=32
  `,
};

const noise: AsmFunction = {
  name: "noise",
  params: [...sampleParams, ["hist", i32], ["bins", i32]],
  locals: [
    ["y", i32],
    ["i", i32],
    ["end", i32],
    ["c", i32],
    ["bin", i32],
    ["p", i32],
    ["m", f64],
    ["x", f64],
  ],
  body: `
    ;; clear the histogram
    block $clear_done
    loop $clear
      local.get $bin
      local.get $bins
      i32.ge_s
      br_if $clear_done
      local.get $hist
      local.get $bin
      i32.const 2
      i32.shl
      i32.add
      i32.const 0
      i32.store
      local.get $bin
      i32.const 1
      i32.add
      local.set $bin
      br $clear
    end
    end
    ${
    sampleLoop(`
          local.get $x
          local.get $m
          f64.const 255
          f64.min
          f64.const 0
          f64.max
          f64.sub
          f64.abs
          f64.const 4
          f64.mul
          i32.trunc_f64_s
          local.set $bin
          ;; at most the last bin
          local.get $bin
          local.get $bins
          i32.const 1
          i32.sub
          i32.ge_s
          if
            local.get $bins
            i32.const 1
            i32.sub
            local.set $bin
          end
          local.get $hist
          local.get $bin
          i32.const 2
          i32.shl
          i32.add
          local.tee $p
          local.get $p
          i32.load
          i32.const 1
          i32.add
          i32.store
          local.get $c
          i32.const 1
          i32.add
          local.set $c`)
  }
    local.get $out
    local.get $c
    f64.convert_i32_s
    f64.store
  `,
};

/** The kernel's WebAssembly bytes, assembled from the source above. */
export function buildKernel(): Uint8Array {
  return assemble([blur, diff, remap, sums, noise]);
}

/** The generated module that embeds the kernel (base64), as `deno task wasm` writes it. */
export function kernelModuleText(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  const b64 = btoa(bin);
  const lines = b64.match(/.{1,96}/g) ?? [];
  return `// Generated by \`deno task wasm\` from lib/motion/_kernel_source.ts: do not edit.\n` +
    `/** The detector's WebAssembly SIMD kernel (${bytes.length} bytes), base64. */\n` +
    `export const KERNEL_WASM_BASE64 =\n${lines.map((l) => `  "${l}"`).join(" +\n")};\n`;
}

if (import.meta.main) {
  const path = new URL("./_kernel_wasm.ts", import.meta.url);
  Deno.writeTextFileSync(path, kernelModuleText(buildKernel()));
  console.log(`wrote ${path.pathname}`);
}
