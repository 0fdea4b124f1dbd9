"""Benchmarks: the DynaLab engine against moto through boto3 (see engine_bench.py)."""
