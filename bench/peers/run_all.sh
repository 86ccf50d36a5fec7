#!/usr/bin/env bash
# Set up the peers venv, write the data files, run every peer on them (checking that all
# agree) and the vectorbt sweep. Results: data/results.jsonl and data/sweep_*.json.
# Takes ~10 minutes on 2 cores, most of it backtrader on the 1M-bar file.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
python="$here/.venv/bin/python"
data="$here/data"

"$here/setup.sh"
"$python" "$here/make_data.py"
"$python" "$here/compare.py" --results "$data/results.jsonl" \
    --data "$data/real_eurusd_1h.parquet" \
    --data "$data/synthetic_100k.parquet" \
    --data "$data/synthetic_1m.parquet"
"$python" "$here/run_vectorbt_sweep.py" --data "$data/synthetic_100k.parquet" \
    --dump "$data/sweep_100k.json" | tee -a "$data/results.jsonl"
