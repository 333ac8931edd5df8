"""Benchmarks for tend: `python -m bench.run [--quick] [--only NAME] [--write-readme]`.

Each benchmark measures a figure together with its floor in the same run on the same
machine, so the ratio means something on a noisy machine. See bench/run.py.
"""
