"""The tour's checks: the tables are loaded faithfully (counts, optima, cross-file indices).

These are internal targets, not claims of a paper: they are reported as checks only.
"""

from __future__ import annotations

from nasmeta_lib.results import Result
from nasmeta_lib.verdicts import Check, Claim, RuleChange

# Documented in shared/docs/nb201-indexing.md: Suite-Zero NB201 cifar100 val_accuracy vs. the
# full table's cifar100 test accuracy, with the verified index mapping.
DOC_MAPPING_RHO = 0.996
MAPPING_TOLERANCE = 0.01

RULE_CHANGES = (
    RuleChange(2, "tour.nb201-mapping", "a loading check is an internal target, not a paper's claim: now a check "
               "(pass: within 0.01 of the documented rho), with checks of the full tables' cell counts and optima",
               before="reproduced"),
)
NB201_CELLS = 15_625
# The known optima of NAS-Bench-201 (final test accuracy, %), as published with the benchmark.
NB201_OPTIMUM = {"cifar10": 94.37, "cifar100": 73.51, "ImageNet16-120": 47.31}


def judge(result: Result) -> tuple[list[Claim], list[Check]]:
    m = result.metrics
    checks = [Check(
        id="tour.nb201-mapping",
        statement="Suite-Zero's NB201 sample and the full 15,625-cell table index the same cells "
                  f"(CIFAR-100 validation vs. test accuracy, Spearman rho within {MAPPING_TOLERANCE} of "
                  f"the documented {DOC_MAPPING_RHO}; a broken mapping gives rho near 0)",
        passed=abs(m["nb201_mapping_rho"] - DOC_MAPPING_RHO) <= MAPPING_TOLERANCE,
        detail=f"rho {m['nb201_mapping_rho']:.3f} over {m['nb201_mapping_n']} cells",
    )]
    settings = result.tables["settings"].set_index("setting")
    for task, optimum in NB201_OPTIMUM.items():
        key = f"nb201_full/{task}"
        if key not in settings.index:
            continue
        row = settings.loc[key]
        checks.append(Check(
            id=f"tour.{key}",
            statement=f"{key} holds every NB201 cell and its best test accuracy is the benchmark's optimum {optimum} %",
            passed=bool(row.n_archs == NB201_CELLS and abs(row.accuracy_max - optimum) < 0.005),
            detail=f"{row.n_archs} cells, best {row.accuracy_max:.2f} %",
        ))
    return [], checks
