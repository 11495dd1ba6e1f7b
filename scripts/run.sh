#!/usr/bin/env bash
# The main job of `make run`: a short training run on a synthetic stand-in.
set -euo pipefail
bin=${1:-build/wattnet}
"$bin" train --data synthetic:adult --shape rectangle --depth 3 --size 16384 --epochs 3
