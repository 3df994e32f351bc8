"""GenNAS (Li et al., NeurIPS 2021): rank architectures by regression on synthetic signals.

- :mod:`signals`: the signal bases and the task config that combines them per stage.
- :mod:`presets`: the paper's hand-made combination and the task its code ships after search.
- :mod:`images`: the input batch (real CIFAR-10 images; a photo's crops or noise to compare).
- :mod:`heads`, :mod:`train`: regression heads on ``features(x)`` and the 100-step training.
- :mod:`grouped`: K NB201-style networks trained as one (grouped convolutions) for GPUs.
- :mod:`score`: scoring many architectures; :mod:`search`: evolving the task itself.
"""
