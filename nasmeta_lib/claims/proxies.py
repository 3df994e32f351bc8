"""Live proxies against NAS-Bench-Suite-Zero's stored values: checks of our implementation.

Agreement with stored values is an internal target (a re-implementation is right or wrong),
not a paper's claim about NAS, so it yields :class:`~nasmeta_lib.verdicts.Check` rows only.
"""

from __future__ import annotations

from nasmeta_lib.results import Result
from nasmeta_lib.verdicts import Check, Claim, RuleChange

TARGET_RHO = 0.9  # project target for every proxy's rank agreement with the stored values
MIN_ARCHS = 50  # fewer architectures than this cannot pass: the interval would be too wide to mean much

RULE_CHANGES = (
    RuleChange(2, "proxies.*", "agreement with the stored values is a check of our implementation, not a "
               "claim of a paper: the 12 claims became checks; main input real CIFAR-10 images (was random)",
               before="7 reproduced, 4 partly, 1 not reproduced"),
)


def judge(result: Result) -> tuple[list[Claim], list[Check]]:
    """One check per proxy with stored values, on the first task and input kind of the run."""
    task, inputs = result.params["tasks"][0], result.params["inputs"][0]
    agreement = result.tables["agreement"]
    main = agreement[(agreement.task == task) & (agreement.inputs == inputs) & (agreement.n > 0)]
    checks = [
        Check(
            id=f"proxies.{row.proxy}",
            statement=f"{row.proxy}: our live scores rank NB201 cells ({task}, {inputs} inputs) like Suite-Zero's "
                      f"stored ones, Spearman rho >= {TARGET_RHO} over >= {MIN_ARCHS} cells (project target)",
            passed=bool(row.rho >= TARGET_RHO and row.n >= MIN_ARCHS),
            detail=f"rho {row.rho:.3f} [{row.rho_low:.2f}, {row.rho_high:.2f}] (95% bootstrap CI) over {row.n} cells",
        )
        for row in main.itertuples()
    ]
    return [], checks
