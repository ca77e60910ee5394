"""Cold-start, warm-overhead, memory and import benchmarks of the function (``make bench``).

Every figure is a ratio against a bare-SDK baseline measured in the same run on the
same machine; see :mod:`benchmarks.suite`. Not part of the test suite.
"""
