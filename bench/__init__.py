"""Benchmarks of the service against the framework's ceiling and at scale.

Run `python -m bench [--quick] [--only NAME ...]`; the report is a Markdown document
printed and written to `bench/results/latest.md`. Goals come from the performance spec and
are judged as ratios measured in the same run, so a busy machine moves both sides alike.
"""
