"""The same input gives the same record, byte for byte, whatever the hash seed of the process.

Python salts str hashes per process (PYTHONHASHSEED), so anything that iterates a set of strings
(a max over a set of units, labels of one length taken in set order) can change a record from one
run to the next. Each run here is its own interpreter with its own seed.
"""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import PROJECT_ROOT, seed_paths

# Invented: two labels of one length overlap in '年初预算安排' (年初预算 / 预算安排), and the amounts
# are printed in 元 and 万元 three times each (a tie for the unit most amounts are printed in).
TIE_REPORT = """临河县林业局2022年度部门整体支出绩效自评报告
一、部门预算情况
2022年年初预算安排312.5万元，全年预算数340.2万元，实际支出3311200元，预算执行率97.33%。
其中基本支出2011000元，项目支出130.01万元。“三公”经费支出8600元。
"""


def _extract(paths: list[str], hash_seed: str) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "extract", *paths, "-q"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr.decode()  # 1: an error finding, still written
    return done.stdout


def test_records_do_not_depend_on_the_hash_seed(tmp_path):
    invented = tmp_path / "tie_report.txt"
    invented.write_text(TIE_REPORT, encoding="utf-8")
    paths = [str(invented), *map(str, seed_paths())]
    first, second = _extract(paths, "1"), _extract(paths, "2")
    assert first.count(b"\n") == len(paths)
    assert first == second
