"""Test fixtures shared by tests and the benchmarks (bench/ imports them from here): PDF builders
and text measures. Not part of the pipeline."""
