"""What each paper claims and how a run is judged against it, one module per chapter.

A chapter's module in ``nasmeta_lib.chapters`` runs the experiment and stores tables; the module
of the same name here holds the paper's numbers, the rules (fixed before any run) and
``judge(result) -> (claims, checks)``, which reads only the stored tables, metrics and
parameters, so every saved result's verdicts can be re-derived. The rule itself lives in
:mod:`nasmeta_lib.verdicts`.
"""
