#!/bin/sh
# Vigil's detector side by side with the OpenCV anchors (seed's rtm2, MOG2), in one run:
# accuracy on the CDnet sequences (frame F1, pixel F) and detection ms/frame on every input,
# plus highway_drift: highway with drifting exposure/contrast and noise added by ffmpeg.
#
#   bench/detector.sh [DATA_DIR] [BENCH_DIR]     defaults: ../shared/data ../shared/bench
#   VIGIL_DETECT_CONFIG=cfg.json bench/detector.sh   (optional: settings to try)
#   ACCURACY=" " ROUNDS=5 BASELINE=../old bench/detector.sh   (speed only, 5 rounds, an older
#                                                              checkout timed as "before")
#
# Needs ffmpeg, Debian's python3-opencv (/usr/bin/python3). Temporary outputs under .bench/.
set -eu
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
BENCH=${2:-../shared/bench}
PY=/usr/bin/python3
OUT=.bench/detector
ROOT=$(pwd)
CFG=${VIGIL_DETECT_CONFIG:+--config $VIGIL_DETECT_CONFIG}
mkdir -p "$OUT"
vigil() { deno run --allow-read --allow-write --allow-run=ffmpeg --allow-env detect.ts "$@" $CFG; }
ms() { grep -o 'ms_per_frame=[0-9.]*' | cut -d= -f2; }

# A harder copy of highway, not tuned on: exposure and contrast drifting, plus sensor noise.
DRIFT="$OUT/highway_drift"
if [ ! -f "$DRIFT/temporalROI.txt" ]; then
  mkdir -p "$DRIFT/input"
  ffmpeg -loglevel error -y -framerate 25 -i "$DATA/highway/input/in%06d.jpg" \
    -vf "format=gray,eq=contrast='1+0.3*sin(t/3)':brightness='0.15*sin(t/5)':eval=frame,noise=alls=8:allf=t" \
    -start_number 1 "$DRIFT/input/in%06d.png"
  ln -sfn "$(cd "$DATA/highway" && pwd)/groundtruth" "$DRIFT/groundtruth"
  cp "$DATA/highway/temporalROI.txt" "$DRIFT/"
fi
seqdir() { if [ "$1" = highway_drift ]; then echo "$DRIFT"; else echo "$DATA/$1"; fi; }

printf '%-14s %-10s %8s %8s %10s\n' input algo frame_f1 pixel_f ms/frame
for seq in ${ACCURACY:-highway pedestrians highway_drift}; do
  S=$(seqdir $seq)
  for algo in rtm2 mog2 vigil; do
    rm -rf "$OUT/$seq-$algo" && mkdir -p "$OUT/$seq-$algo"
    if [ "$algo" = vigil ]; then
      t=$(vigil "$S/input" --out "$OUT/$seq-$algo.jsonl" --masks "$OUT/$seq-$algo" --bench | ms)
    else
      t=$($PY "$BENCH/opencv_anchor.py" "$S/input" --algo $algo --out "$OUT/$seq-$algo.jsonl" \
        --masks "$OUT/$seq-$algo" --bench | ms)
    fi
    score=$($PY "$BENCH/eval_cdnet.py" "$S" "$OUT/$seq-$algo.jsonl" "$OUT/$seq-$algo" | tail -1)
    f1=$(echo "$score" | sed 's/.*frame_f1=\([0-9.]*\).*/\1/')
    pf=$(echo "$score" | sed 's/.*pixel_f=\([0-9.a-z]*\).*/\1/')
    printf '%-14s %-10s %8s %8s %10s\n' "$seq" "$algo" "$f1" "$pf" "$t"
  done
done

# speed on identical gray pixels: vtest.avi turned gray once at 320x240 and 768x576 (PNG folders
# that every detector reads: OpenCV's imread + cvtColor gives back the same gray bytes, Vigil's
# ffmpeg scale to the same size is an identity); Vigil detects at that size. rtm2, MOG2 and Vigil
# run interleaved, ROUNDS times (default 3), and the medians are printed. With BASELINE=DIR (a
# checkout of another version), its detect.ts runs in the same rounds as "before".
ROUNDS=${ROUNDS:-3}
echo '{"detector":{"width":0}}' > "$OUT/full.json"
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '\n%-9s %-8s %s\n' size algo "ms/frame (median of $ROUNDS)"
for size in 320x240 768x576; do
  G="$OUT/gray-$size"
  if [ ! -f "$G/.done" ]; then
    mkdir -p "$G"
    ffmpeg -loglevel error -y -i "$DATA/vtest.avi" -vf "scale=${size%x*}:${size#*x}:flags=area,format=gray" "$G/f%06d.png"
    touch "$G/.done"
  fi
  : > "$OUT/speed-$size.txt"
  for r in $(seq "$ROUNDS"); do
    for algo in rtm2 mog2; do
      echo "$algo $($PY "$BENCH/opencv_anchor.py" "$G" --algo $algo --bench | ms)" >> "$OUT/speed-$size.txt"
    done
    t=$(deno run --allow-read --allow-write --allow-run=ffmpeg --allow-env detect.ts "$G" --bench --config "$OUT/full.json" | ms)
    echo "vigil $t" >> "$OUT/speed-$size.txt"
    if [ -n "${BASELINE:-}" ]; then
      t=$(cd "$BASELINE" && deno run --allow-read --allow-write --allow-run=ffmpeg --allow-env detect.ts "$ROOT/$G" --bench --config "$ROOT/$OUT/full.json" | ms)
      echo "before $t" >> "$OUT/speed-$size.txt"
    fi
  done
  for algo in rtm2 mog2 vigil before; do
    grep -q "^$algo " "$OUT/speed-$size.txt" || continue
    m=$(grep "^$algo " "$OUT/speed-$size.txt" | cut -d' ' -f2 | median)
    if [ -n "$m" ]; then
      eval "med_$algo=$m"
      printf '%-9s %-8s %s\n' "$size" "$algo" "$m"
    fi
  done
  awk -v r="$med_rtm2" -v m="$med_mog2" -v v="$med_vigil" -v s="$size" \
    'BEGIN { printf "%s: vigil/rtm2 = %.2f, vigil/mog2 = %.2f\n", s, v / r, v / m }'
done
