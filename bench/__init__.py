"""UMIS benchmarks (`make bench`). Each part measures against a baseline in the same run;
results go to docs/benchmarks.md. A small smoke run of each part is in the test suite."""
