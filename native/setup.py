"""InfraZen's compiled helpers (optional: apps/common/pgbinary.py falls back to Arrow's kernels without them)."""

from setuptools import Extension, setup

setup(
    name="infrazen-native",
    version="1.0",
    packages=["infrazen_native"],
    ext_modules=[Extension("infrazen_native._rows", ["infrazen_native/_rows.c"], extra_compile_args=["-O2"])],
)
