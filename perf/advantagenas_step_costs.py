"""CPU seconds per supernet step of every AdvantageNAS searcher, and the profile sizes they imply.

Project targets: the chapter's full profile <= 3 h on 2 free cores, the quick one <= 5 min. For the
quick and full profiles this measures, at their supernet width, depth and batch on CIFAR-10:
``oneshot.step_costs`` with ``clock=time.process_time`` (this process's CPU seconds per weight and
per architecture step, median over interleaved rounds), our own short training of a found cell
(per step, and the test-image evaluation), and with ``--tabular`` the exact-problem jobs. It prints
the per-step costs and each profile's estimated time run serially and with ``--workers 2`` (the
run's parts, tabular problems then supernet searches, handed in order to whichever worker is free;
the step-cost table is measured in between, alone). CPU seconds are used because other work on a
shared machine inflates wall time far more; one thread, as every part uses. Run:
``python perf/advantagenas_step_costs.py [--repeats N] [--tabular]``.
"""

from __future__ import annotations

import argparse
import heapq
import time

import torch

from nasmeta_lib.benchmarks import nb201
from nasmeta_lib.chapters import advantagenas as chapter
from nasmeta_lib.searchers import oneshot

TARGET_SECONDS = {"quick": 5 * 60, "full": 3 * 3600}
WORKERS = (1, 2)  # serial, and --workers 2


def cpu_seconds(fn) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def train_costs(params: dict, steps: int = 20) -> tuple[float, float]:
    """(CPU seconds per training step, CPU seconds of the test evaluation) of :func:`oneshot.train_cell`."""
    ops = nb201.ops_of_index(9930)
    kwargs = dict(C=params["supernet_C"], N=params["supernet_N"], batch_size=params["batch_size"],
                  dev=torch.device("cpu"))
    oneshot.train_cell(ops, 2, test_images=100, **kwargs)  # untimed: loads the data, allocates
    short = cpu_seconds(lambda: oneshot.train_cell(ops, steps, test_images=100, **kwargs))
    long = cpu_seconds(lambda: oneshot.train_cell(ops, 2 * steps, test_images=100, **kwargs))
    per_step = max(long - short, 0.0) / steps
    evaluation = cpu_seconds(lambda: oneshot.train_cell(ops, 1, test_images=params["test_images"], **kwargs))
    return per_step, max(evaluation - per_step, 0.0)


def tabular_seconds(params: dict) -> list[float]:
    """CPU seconds of each exact-problem part of a profile, in the chapter's order."""
    settings = params["tabular_settings"]
    parts = [lambda s=s, e=e: chapter._tabular_job(s, e, params) for s in settings for e in params["estimators"]]
    parts += [lambda s=s: chapter._moments_job(s, params) for s in settings]
    parts += [lambda s=s: chapter._expected_path_job(s, params) for s in settings]
    return [cpu_seconds(part) for part in parts]


def makespan(seconds: list[float], workers: int) -> float:
    """Time until the last of these parts ends when each, in order, goes to the first free worker."""
    free = [0.0] * workers
    for s in seconds:
        heapq.heappush(free, heapq.heappop(free) + s)
    return max(free)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="interleaved rounds per step cost")
    parser.add_argument("--tabular", action="store_true", help="also time the exact-problem jobs (minutes)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    estimates = []
    for profile in ("quick", "full"):
        params = chapter.CHAPTER.resolve(profile)
        cfg = chapter._config(params, params["estimators"][0], params["seed"])
        rows = oneshot.step_costs(cfg, params["estimators"], args.repeats, torch.device("cpu"), clock=time.process_time)
        _, weight, arch = oneshot.step_counts(params["supernet_steps"], params["warmup"])
        per_step, evaluation = train_costs(params)
        print(f"\n{profile}: C={cfg.C}, N={cfg.N}, batch {cfg.batch_size}; {weight} weight + {arch} architecture "
              f"steps per search, {params['train_steps']} training steps, {params['test_images']} test images")
        print(f"{'searcher':14s} {'weight step (CPU s)':>20s} {'arch step (CPU s)':>18s} {'one search (CPU s)':>19s}")
        one = {r["estimator"]: weight * r["weight_step_seconds"] + arch * r["arch_step_seconds"] for r in rows}
        for r in rows:
            print(f"{r['estimator']:14s} {r['weight_step_seconds']:20.4f} {r['arch_step_seconds']:18.4f} "
                  f"{one[r['estimator']]:19.1f}")
        train = params["train_steps"] * per_step + evaluation
        print(f"training a found cell: {per_step:.4f} CPU s per step, test evaluation {evaluation:.2f} CPU s")
        # the supernet parts in the chapter's order (seeds outer, searchers inner): a search and its training
        searches = [one[e] + train for _ in range(params["supernet_seeds"]) for e in params["estimators"]]
        # the chapter's own step-cost table: 3 untimed + cost_repeats timed rounds, between the two maps
        costs = (3 + params["cost_repeats"]) * sum(r["weight_step_seconds"] + r["arch_step_seconds"] for r in rows)
        tabular = tabular_seconds(params) if args.tabular else []
        estimates.append((profile, searches, costs, tabular))
    print(f"\n{'profile':8s} {'workers':>7s} {'searches+training':>18s} {'step costs':>11s} {'tabular':>9s} "
          f"{'estimate (min)':>15s} {'target (min)':>13s}   (CPU seconds; tabular nan = not timed)")
    for profile, searches, costs, tabular in estimates:
        for workers in WORKERS:
            total = makespan(tabular, workers) + costs + makespan(searches, workers)
            print(f"{profile:8s} {workers:7d} {sum(searches):18.0f} {costs:11.0f} "
                  f"{sum(tabular) if tabular else float('nan'):9.0f} {total / 60:15.1f} {TARGET_SECONDS[profile] / 60:13.0f}")


if __name__ == "__main__":
    main()
