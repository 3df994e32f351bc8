"""How long the meta-learning chapter's full profile takes on this machine, measured in small parts.

Times a few outer steps of every meta-learner of the full profile and one evaluation round per
adaptation on a few folds, at the full profile's sizes, then scales them to the full profile
(folds, outer steps, targets, shot counts) and prints a table. Use it to decide where to run the full profile:

    python perf/metalearning_speed.py               # this machine
    python perf/metalearning_speed.py --folds 2 --steps 3 --threads 1
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import pandas as pd

from nasmeta_lib import compute
from nasmeta_lib.chapters import Context
from nasmeta_lib.chapters import metalearning as ml
from nasmeta_lib.predictors import PREDICTORS, encodings, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=4, help="folds timed side by side (the full profile has one per held-out group)")
    ap.add_argument("--steps", type=int, default=5, help="outer steps timed per meta-learner")
    ap.add_argument("--threads", type=int, default=64, help="CPU threads (at most the machine's cores)")
    args = ap.parse_args()
    threads = compute.use_threads(args.threads)
    device = compute.device()
    p = ml.FULL
    ctx = Context(Path("/nonexistent"), progress=False)
    cfg = ml._config(p)
    keys = ml._setting_keys()
    t0 = time.perf_counter()
    encoded = {k: encodings.encode(k, p["max_archs"]) for k in keys}
    print(f"encoded {len(keys)} settings in {time.perf_counter() - t0:.1f} s on {device} ({threads} threads)")
    folds = ml._folds(p)  # one per held-out group, plus the extrapolation fold
    targets = sum(len(f["targets"]) for f in folds)
    rows = []
    for name in p["predictors"]:
        build = partial(PREDICTORS[name], hidden=p["hidden"], layers=p["layers"])
        timed = folds[: args.folds]
        pools = [[encoded[k] for k in f["pool"]] for f in timed]
        sample = [encoded[t] for f in timed for t in f["targets"]]
        for approach in p["approaches"]:
            train, inits = 0.0, None
            if approach != "scratch":
                t0 = time.perf_counter()
                short = {**p, "iterations": args.steps}
                inits = ml._meta_train(approach, build, pools, short, device, ctx)
                case = [i for i, f in enumerate(timed) for _ in f["targets"]]
                inits = {k: v[case] for k, v in inits.items()}
                train = (time.perf_counter() - t0) * (len(folds) / args.folds) * (p["iterations"] / args.steps)
            evaluate = 0.0
            for adapt in ["sgd"] + (["adam"] if approach in p["adam_adaptation"] else []):
                t0 = time.perf_counter()
                meta.evaluate(build, inits, sample, max(p["shots"]), list(range(p["seeds"])), cfg, p["n_query"], device,
                              adapt=adapt)
                evaluate += (time.perf_counter() - t0) * (targets / len(sample)) * len(p["shots"])
                if inits is None:
                    break  # from scratch has one recipe
            rows.append({"predictor": name, "approach": approach, "meta_train_s": train, "evaluate_s": evaluate,
                         "total_s": train + evaluate})
            print(f"{name:>12} {approach:>14}: meta-train {train:7.0f} s, evaluate {evaluate:7.0f} s", flush=True)
    table = pd.DataFrame(rows)
    print(table.round(1).to_markdown(index=False))
    print(f"estimated full profile: {table.total_s.sum() / 60:.1f} min (scaled from {args.folds} folds x {args.steps} steps)")


if __name__ == "__main__":
    main()
