#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""./run bench's hook for the instruction counts: bench/insns.py BUILDDIR
runs bench/replay/insns.py with that build's tapring and bench_machine and
writes $TR_BENCH_JSON_OUT (bench/results/insns.json)."""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
os.execv("/usr/bin/python3", ["/usr/bin/python3", os.path.join(here, "replay", "insns.py")] + sys.argv[1:])
