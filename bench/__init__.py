"""Benchmarks on the local broker and database; see BENCHMARKS.md."""
