#!/bin/sh
# Vigil's detector side by side with the OpenCV anchors (seed's rtm2, MOG2), in one run:
# accuracy on the CDnet sequences (frame F1, pixel F) and detection ms/frame on every input,
# plus highway_drift: highway with drifting exposure/contrast and noise added by ffmpeg.
#
#   bench/detector.sh [DATA_DIR] [BENCH_DIR]     defaults: ../shared/data ../shared/bench
#   VIGIL_DETECT_CONFIG=cfg.json bench/detector.sh   (optional: settings to try)
#
# Needs ffmpeg, Debian's python3-opencv (/usr/bin/python3). Temporary outputs under .bench/.
set -eu
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data}
BENCH=${2:-../shared/bench}
PY=/usr/bin/python3
OUT=.bench/detector
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
for seq in highway pedestrians highway_drift; do
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

# speed on vtest.avi (768x576): anchors at full size; Vigil at its default detection size and at full size
V="$DATA/vtest.avi"
r=$($PY "$BENCH/opencv_anchor.py" "$V" --algo rtm2 --bench | ms)
m=$($PY "$BENCH/opencv_anchor.py" "$V" --algo mog2 --bench | ms)
d=$(vigil "$V" --bench | ms)
echo '{"detector":{"width":0}}' > "$OUT/full.json"
f=$(deno run --allow-read --allow-write --allow-run=ffmpeg --allow-env detect.ts "$V" --bench --config "$OUT/full.json" | ms)
printf '%-14s %-10s %8s %8s %10s\n' vtest rtm2 - - "$r" vtest mog2 - - "$m" vtest vigil - - "$d" vtest vigil@full - - "$f"
awk -v r="$r" -v d="$d" -v f="$f" 'BEGIN { printf "vtest: vigil/rtm2 = %.2f at default size, %.2f at 768x576\n", d / r, f / r }'
