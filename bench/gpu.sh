#!/usr/bin/env bash
# The GPU benchmark: Tunelab's release CLI on native wgpu (Vulkan), with burn's fusion and
# autotune ("fusion", the default build) and without them ("plain", the build before them),
# against PyTorch + transformers on the same GPU (CUDA), same recipe, same sequences.
#
#   bench/gpu.sh BUNDLE OUT
#
# BUNDLE is what `cargo xtask gpu-bundle` makes (the two CLIs, xz-compressed; the model's
# config.json and tokenizer.json, the weights are drawn from the config on both sides; the
# data). It needs python3 with torch and transformers, and a Vulkan loader and driver.
# Writes OUT/gpu-bench.json (every run's figures and the summary) and OUT/gpu-bench.log.
#
# Knobs (environment): GPU_BENCH_BATCHES ("16 64"), GPU_BENCH_STEPS (40),
# GPU_BENCH_MAX_LEN (128), GPU_BENCH_RUN_SECONDS (150, the limit of each run),
# GPU_BENCH_TORCH_DEVICE (auto: cuda when torch sees one, else cpu), GPU_BENCH_VARIANTS
# ("fusion plain": the CLIs to run, tunelab-NAME in the bundle). cubecl's own variables
# (CUBECL_WGPU_MAX_TASKS, CUBECL_AUTOTUNE_LEVEL) reach the CLIs as they are.
set -u -o pipefail

bundle=$(cd "${1:?usage: bench/gpu.sh BUNDLE OUT}" && pwd)
out=${2:?usage: bench/gpu.sh BUNDLE OUT}
mkdir -p "$out"
out=$(cd "$out" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
batches=${GPU_BENCH_BATCHES:-16 64}
steps=${GPU_BENCH_STEPS:-40}
max_len=${GPU_BENCH_MAX_LEN:-128}
limit=${GPU_BENCH_RUN_SECONDS:-150}
torch_device=${GPU_BENCH_TORCH_DEVICE:-auto}
variants=${GPU_BENCH_VARIANTS:-fusion plain}
runs=$(mktemp -d)
log="$out/gpu-bench.log"
: >"$log"

say() { echo "gpu.sh: $*" | tee -a "$log" >&2; }

# The CLIs travel compressed (xz); a bundle made for a local run may hold them plain.
for packed in "$bundle"/tunelab-*; do
    name=$(basename "$packed" .xz)
    if [ "$packed" != "$bundle/$name" ]; then
        python3 -c 'import lzma, sys; open(sys.argv[2], "wb").write(lzma.open(sys.argv[1]).read())' \
            "$packed" "$runs/$name"
        chmod +x "$runs/$name"
    elif [ -x "$packed" ]; then
        cp "$packed" "$runs/$name"
    fi
done

say "$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
say "batches: $batches; steps: $steps; max length: $max_len; each run at most $limit s"
say "variants: $variants; cubecl settings: $(env | grep '^CUBECL_' | tr '\n' ' ')"

# One run: NAME, then the command; its last stdout line is its JSON.
run() {
    local name=$1
    shift
    say "$name"
    local started=$SECONDS
    if timeout "$limit" "$@" >"$runs/$name.out" 2>>"$log"; then
        tail -n 1 "$runs/$name.out" >"$runs/$name.json"
        say "$name: done in $((SECONDS - started)) s"
    else
        say "$name: failed or ran past $limit s (exit $?); see the log"
    fi
}

for batch in $batches; do
    sequences=$((batch * steps))
    run "pytorch-b$batch" python3 "$here/pytorch_train.py" --model "$bundle/model" --from-config \
        --data "$bundle/data/train.conll" --sentences "$sequences" --epochs 1 --max-steps "$steps" \
        --batch "$batch" --max-len "$max_len" --threads "$(nproc)" --device "$torch_device"
    for variant in $variants; do
        [ -x "$runs/tunelab-$variant" ] || { say "tunelab-$variant: not in the bundle"; continue; }
        run "tunelab-$variant-b$batch" "$runs/tunelab-$variant" train --model "$bundle/model" --from-config \
            --task ner --train "$bundle/data/train.conll" --dev "$bundle/data/dev.conll" \
            --limit "$sequences" --epochs 1 --max-steps "$steps" --batch "$batch" --max-len "$max_len" \
            --device gpu --json
    done
done

python3 "$here/gpu_summary.py" "$runs" "$batches" "$variants" >"$out/gpu-bench.json" 2> >(tee -a "$log" >&2)
