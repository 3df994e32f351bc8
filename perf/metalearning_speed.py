"""How long the meta-learning chapter's full profile takes on this machine, measured in small parts.

Times a few outer steps of every meta-learner and one evaluation round per predictor on a few
folds, at the full profile's sizes, then scales them to the full profile (folds, outer steps,
targets, shot counts) and prints a table. Use it to decide where to run the full profile:

    python perf/metalearning_speed.py               # this machine
    python perf/metalearning_speed.py --folds 2 --steps 3 --threads 1
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from functools import partial

import pandas as pd

from nasmeta_lib import compute
from nasmeta_lib.chapters import metalearning as ml
from nasmeta_lib.predictors import PREDICTORS, encodings, meta


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--folds", type=int, default=4, help="folds timed side by side (the full profile has one per setting)")
    ap.add_argument("--steps", type=int, default=5, help="outer steps timed per meta-learner")
    ap.add_argument("--threads", type=int, default=64, help="CPU threads (at most the machine's cores)")
    args = ap.parse_args()
    threads = compute.use_threads(args.threads)
    device = compute.device()
    p = ml.FULL
    cfg = ml._config(p)
    keys = ml._setting_keys()
    t0 = time.perf_counter()
    encoded = {k: encodings.encode(k, p["max_archs"]) for k in keys}
    print(f"encoded {len(keys)} settings in {time.perf_counter() - t0:.1f} s on {device} ({threads} threads)")
    folds = ml._folds(p)  # one per held-out setting, plus the extrapolation fold
    targets = sum(len(f["targets"]) for f in folds)
    rows = []
    for name in p["predictors"]:
        build = partial(PREDICTORS[name], hidden=p["hidden"], layers=p["layers"])
        timed = folds[: args.folds]
        pools = [[encoded[k] for k in f["pool"]] for f in timed]
        sample = [encoded[t] for f in timed for t in f["targets"]]
        inits = None
        for approach in ml.APPROACHES:
            train = 0.0
            if approach != "scratch":
                t0 = time.perf_counter()
                inits = meta.meta_train(approach, build, pools, dataclasses.replace(cfg, iterations=args.steps), 0, device)
                train = (time.perf_counter() - t0) * (len(folds) / args.folds) * (p["iterations"] / args.steps)
            t0 = time.perf_counter()
            meta.evaluate(build, None if approach == "scratch" else inits, sample, max(p["shots"]),
                          list(range(p["seeds"])), cfg, p["n_query"], device)
            evaluate = (time.perf_counter() - t0) * (targets / len(sample)) * len(p["shots"])
            rows.append({"predictor": name, "approach": approach, "meta_train_s": train, "evaluate_s": evaluate,
                         "total_s": train + evaluate})
    table = pd.DataFrame(rows)
    print(table.round(1).to_markdown(index=False))
    print(f"estimated full profile: {table.total_s.sum() / 60:.1f} min (scaled from {args.folds} folds x {args.steps} steps)")


if __name__ == "__main__":
    main()
