"""`pipeline batch`: parallel, resumable, failure-isolated runs over real files in real processes.

The documents are the generator's invented reports (``pipeline.synth``), the shared seeds and dev
reports read at run time, and hostile files made here: empty, random bytes, a truncated PDF and a
password-protected one. A batch is killed with SIGKILL half-way and resumed; it must end with
exactly one record per good document and one failure line per bad file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pymupdf
import pytest

from conftest import PROJECT_ROOT, SHARED_DIR, SEEDS_DIR
from pipeline import synth
from pipeline.batch import BatchOptions, run_batch
from pipeline.batch.plan import plan
from pipeline.batch.state import State
from pipeline.batch.work import DocumentTimeout, deadline
from tests.review_fixtures import postgres_server  # noqa: F401  (fixture)

DEV_DIR = SHARED_DIR / "dev"
HOSTILE_KINDS = {"empty.txt": "empty_file", "noise.pdf": "corrupt_file", "cut.pdf": "corrupt_file", "locked.pdf": "encrypted_pdf"}


def _reports(folder: Path, n: int, seed: int = 7) -> list[Path]:
    written = synth.write(synth.generate(n, seed=seed), folder)
    return [p for p in written if p.suffix == ".txt"]


def _hostile(folder: Path) -> dict[str, Path]:
    """An empty file, random bytes named .pdf, a PDF cut in the middle, an encrypted PDF."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.pdf").write_bytes(os.urandom(4096))
    pdf = pymupdf.open()
    pdf.new_page().insert_text((72, 72), "2023年度 某某局 部门整体支出绩效自评报告")
    whole = pdf.tobytes()
    (folder / "cut.pdf").write_bytes(whole[: len(whole) // 3])
    pdf.save(folder / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="secret", owner_pw="owner")
    return {name: folder / name for name in HOSTILE_KINDS}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def _cli(args: list[str], env_db: Path, extra_env: dict[str, str] | None = None, cwd: Path = PROJECT_ROOT, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PIPELINE_DB_URL": f"sqlite:///{env_db}", "COLUMNS": "120", **(extra_env or {})}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "batch", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kwargs)


def test_a_timer_interrupts_a_document_that_hangs():
    start = time.perf_counter()
    with pytest.raises(DocumentTimeout):
        with deadline(0.3):
            while True:  # a loop that never ends on its own, as a pathological page could
                sum(range(1000))
    assert time.perf_counter() - start < 2
    with deadline(5):  # a document within its time is untouched, and the timer is cleared after
        pass
    time.sleep(0.05)


def test_the_plan_removes_duplicates_by_content_survives_link_loops_and_expands_patterns(tmp_path):
    a = tmp_path / "in" / "2022" / "report.txt"
    b = tmp_path / "in" / "2023" / "report.txt"
    copy = tmp_path / "in" / "copy" / "again.txt"
    for path, text in ((a, "甲单位 2022"), (b, "乙单位 2023"), (copy, "甲单位 2022")):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "in" / "2023" / "loop").symlink_to(tmp_path / "in", target_is_directory=True)
    result = plan([tmp_path / "in"])
    assert [d.path for d in result.documents] == [a, b]
    assert [d.doc_id for d in result.documents] == ["2022_report", "2023_report"]
    assert result.duplicates == [{"path": str(copy), "same_as": str(a)}]
    by_pattern = plan([str(tmp_path / "in" / "**" / "report.txt"), str(tmp_path / "nowhere" / "*.pdf")])
    assert [d.path for d in by_pattern.documents] == [a, b]
    assert by_pattern.unmatched == [str(tmp_path / "nowhere" / "*.pdf")]


def test_opening_the_state_keeps_a_complete_line_and_cuts_a_torn_one(tmp_path):
    state = State(tmp_path, "v1")
    state.append_record("aaa", "a.txt", "a", {"doc_id": "a", "meta": {"source_sha256": "aaa"}}, 1, 0.1)
    # A kill after the line was written but before it was marked done:
    state._put("bbb", "b.txt", "b", "writing", None, None, (tmp_path / "records.jsonl").stat().st_size, 1, 0.1)
    with (tmp_path / "records.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"doc_id": "b", "meta": {"source_sha256": "bbb"}}) + "\n")
    # A kill in the middle of the next line:
    state._put("ccc", "c.txt", "c", "writing", None, None, (tmp_path / "records.jsonl").stat().st_size, 1, 0.1)
    with (tmp_path / "records.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"doc_id": "c", "meta": {"sour')
    state.close()
    reopened = State(tmp_path, "v1")
    assert {sha: k.status for sha, k in reopened.known().items()} == {"aaa": "done", "bbb": "done"}
    assert [r["doc_id"] for r in _lines(tmp_path / "records.jsonl")] == ["a", "b"]
    assert State(tmp_path, "v2").known() == {}  # another version has done nothing yet


def test_a_batch_writes_records_failures_and_summaries_and_a_rerun_skips_what_is_done(tmp_path):
    good = _reports(tmp_path / "in" / "reports", 4)
    bad = _hostile(tmp_path / "in" / "bad")
    (tmp_path / "in" / "reports" / "z_copy.txt").write_bytes(good[0].read_bytes())
    out = tmp_path / "out"
    options = BatchOptions(out_dir=out, workers=2, store=False, timeout=60)
    summary = run_batch([tmp_path / "in"], options)
    records = _lines(out / "records.jsonl")
    assert sorted(r["doc_id"] for r in records) == sorted(p.stem for p in good)
    assert all(r["meta"]["extractor_version"] == "rules-1" and r["budget"]["actual"] is not None for r in records)
    failures = {Path(f["path"]).name: f["kind"] for f in _lines(out / "failures.jsonl")}
    assert failures == HOSTILE_KINDS
    assert summary["records"] == 4 and summary["failed"] == 4 and len(summary["duplicates"]) == 1
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["this_run"]["records"] == 4
    from openpyxl import load_workbook

    sheets = load_workbook(out / "summary.xlsx").sheetnames
    assert sheets[:2] == ["汇总", "失败文件"] and len(sheets) == 6
    again = run_batch([tmp_path / "in"], options)
    assert again["this_run"]["processed"] == 0 and again["this_run"]["skipped_done_before"] == 8
    assert len(_lines(out / "records.jsonl")) == 4 and len(_lines(out / "failures.jsonl")) == 4
    retried = run_batch([tmp_path / "in"], BatchOptions(out_dir=out, workers=1, store=False, resume=True))
    assert retried["this_run"]["processed"] == 4 and len(_lines(out / "failures.jsonl")) == 4


def _kill_half_way_and_resume(tmp_path: Path, inputs: list[Path], good: set[str], bad: dict[str, str]) -> None:
    out, db = tmp_path / "out", tmp_path / "review.sqlite3"
    args = [*map(str, inputs), "--out", str(out), "--workers", "2", "--timeout", "300"]
    first = _cli(args, db)
    deadline_at = time.monotonic() + 600
    while len(_lines_safe(out / "records.jsonl")) < len(good) // 2:
        assert first.poll() is None, f"the batch ended before it could be killed: {first.communicate()}"
        assert time.monotonic() < deadline_at
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)  # the batch and its workers, as a crash or the OOM killer would
    first.wait()
    done_before = len(_lines_safe(out / "records.jsonl"))
    assert 0 < done_before < len(good) + 1
    resumed = _cli([*args, "--resume"], db)
    stdout, stderr = resumed.communicate(timeout=900)
    assert resumed.returncode == 2, stderr  # some files failed: exit 2, the rest written
    records = _lines(out / "records.jsonl")
    ids = [r["doc_id"] for r in records]
    assert sorted(ids) == sorted(good), "exactly one record per good document"
    failures = {Path(f["path"]).name: f["kind"] for f in _lines(out / "failures.jsonl")}
    assert failures == bad and len(_lines(out / "failures.jsonl")) == len(bad)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["records"] == len(good) and summary["failed"] == len(bad)
    assert summary["this_run"]["skipped_done_before"] >= done_before
    from pipeline.review.store import Store

    store = Store(f"sqlite:///{db}")
    try:
        assert sum(store.counts()["status"].values()) == len(good)  # one review item per good document
        assert sorted(r.doc_id for r in _store_records(store)) == sorted(good)
    finally:
        store.close()


def _store_records(store):
    from sqlalchemy import select

    from pipeline.review.models import DocumentRow

    with store._session() as session:
        return list(session.scalars(select(DocumentRow)))


def _lines_safe(path: Path) -> list[str]:
    """Complete lines of a file another process is appending to."""
    if not path.exists():
        return []
    return [line for line in path.read_bytes().split(b"\n")[:-1] if line.strip()]


def _shared_inputs(tmp_path: Path) -> tuple[list[Path], set[str], dict[str, str]]:
    if not DEV_DIR.is_dir() or not SEEDS_DIR.is_dir():
        pytest.skip(f"{DEV_DIR} and {SEEDS_DIR} are needed beside the checkout")
    hostile = _hostile(tmp_path / "hostile")
    plan_of_shared = plan([SEEDS_DIR, DEV_DIR])
    good = {d.doc_id for d in plan_of_shared.documents}
    return [SEEDS_DIR, DEV_DIR, tmp_path / "hostile"], good, {p.name: HOSTILE_KINDS[p.name] for p in hostile.values()}


def test_a_batch_killed_half_way_and_resumed_has_one_record_per_good_document(tmp_path):
    inputs, good, bad = _shared_inputs(tmp_path)
    _kill_half_way_and_resume(tmp_path, inputs, good, bad)


@pytest.mark.ocr
def test_done_when_seeds_dev_scans_and_hostile_files_killed_and_resumed(tmp_path):
    inputs, good, bad = _shared_inputs(tmp_path)
    synth.write(synth.generate(2, seed=11), tmp_path / "gen", scan=True, scan_pages=1)
    scans = sorted((tmp_path / "gen" / "scan").glob("*.pdf"))
    assert len(scans) == 2
    _kill_half_way_and_resume(tmp_path, [*inputs, tmp_path / "gen" / "scan"], good | {p.stem for p in scans}, bad)


def test_the_ray_engine_gives_the_same_records_and_failures_as_the_local_pool(tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install '.[ray]'); --engine ray cannot be tested without it")
    _reports(tmp_path / "in", 3, seed=21)
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    local = run_batch([tmp_path / "in"], BatchOptions(out_dir=tmp_path / "local", workers=2, store=False))
    on_ray = run_batch([tmp_path / "in"], BatchOptions(out_dir=tmp_path / "ray", workers=2, store=False, engine="ray"))
    by_id = {r["doc_id"]: r for r in _lines(tmp_path / "local" / "records.jsonl")}
    assert len(by_id) == 3 and {r["doc_id"]: r for r in _lines(tmp_path / "ray" / "records.jsonl")} == by_id
    assert _lines(tmp_path / "ray" / "failures.jsonl") == _lines(tmp_path / "local" / "failures.jsonl")
    assert [f["kind"] for f in on_ray["failures"]] == ["empty_file"] and on_ray["records"] == local["records"] == 3


def test_a_document_that_kills_its_worker_is_failed_alone_and_the_others_are_processed(tmp_path):
    from pipeline.batch.engines import run_local
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.work import Job
    from tests.support.batch_tasks import KILL_MARK, process_or_die

    good = _reports(tmp_path / "in", 3, seed=31)
    killer = tmp_path / "in" / "killer.txt"
    killer.write_text(KILL_MARK + " 某单位 2023年度绩效自评报告", encoding="utf-8")
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p)) for p in [good[0], killer, *good[1:]]]
    outcomes = []
    run_local(jobs, workers=2, on_outcome=outcomes.append, task=process_or_die)
    assert sorted(o.job.doc_id for o in outcomes if o.ok) == sorted(p.stem for p in good)
    failed = [o for o in outcomes if not o.ok]
    assert [(o.job.doc_id, o.failure["kind"]) for o in failed] == [("killer", "worker_died")]
    assert len(outcomes) == 4


def test_workers_share_the_cores_for_ocr_unless_the_user_set_the_threads(tmp_path, monkeypatch):
    from pipeline.batch.engines import ocr_threads_per_worker, run_local
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.work import Job
    from tests.support.batch_tasks import report_ocr_threads

    monkeypatch.delenv("PIPELINE_OCR_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    assert [ocr_threads_per_worker(n) for n in (1, 2, 3, 8)] == [4, 2, 1, 1]
    monkeypatch.undo()
    monkeypatch.delenv("PIPELINE_OCR_THREADS", raising=False)
    reports = _reports(tmp_path / "in", 2, seed=37)
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p)) for p in reports]
    outcomes = []
    run_local(jobs, workers=2, on_outcome=outcomes.append, task=report_ocr_threads)
    assert {o.failure["error"] for o in outcomes} == {str(max(1, (os.cpu_count() or 1) // 2))}
    monkeypatch.setenv("PIPELINE_OCR_THREADS", "3")  # the user's choice stands
    assert ocr_threads_per_worker(2) is None
    outcomes.clear()
    run_local(jobs, workers=2, on_outcome=outcomes.append, task=report_ocr_threads)
    assert {o.failure["error"] for o in outcomes} == {"3"}


def test_a_worker_memory_cap_fails_the_greedy_document_and_not_the_batch(tmp_path):
    from pipeline.batch.engines import run_local
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.work import Job
    from tests.support.batch_tasks import GREEDY_MARK, process_or_eat

    good = _reports(tmp_path / "in", 2, seed=41)
    greedy = tmp_path / "in" / "greedy.txt"
    greedy.write_text(GREEDY_MARK, encoding="utf-8")
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p)) for p in [greedy, *good]]
    outcomes = []
    run_local(jobs, workers=1, on_outcome=outcomes.append, task=process_or_eat, memory_mb=1500)
    assert sorted(o.job.doc_id for o in outcomes if o.ok) == sorted(p.stem for p in good)
    assert [(o.job.doc_id, o.failure["kind"]) for o in outcomes if not o.ok] == [("greedy", "out_of_memory")]


def test_a_new_extractor_version_redoes_the_documents_and_keeps_one_record_each(tmp_path, monkeypatch):
    good = _reports(tmp_path / "in", 2, seed=51)
    options = BatchOptions(out_dir=tmp_path / "out", workers=1, store=False)
    run_batch([tmp_path / "in"], options)
    import pipeline.batch.runner as runner

    monkeypatch.setattr(runner, "version_key", lambda backend: "pipeline=next;rules=rules-2")
    summary = run_batch([tmp_path / "in"], options)
    assert summary["this_run"]["processed"] == 2  # nothing was done under the new version
    assert sorted(r["doc_id"] for r in _lines(tmp_path / "out" / "records.jsonl")) == sorted(p.stem for p in good)
    assert summary["records"] == 2


def test_a_document_that_hangs_where_its_timer_cannot_reach_is_killed_and_failed_as_a_timeout(tmp_path):
    from pipeline.batch.engines import run_local
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.work import Job
    from tests.support.batch_tasks import HANG_MARK, process_or_hang

    good = _reports(tmp_path / "in", 3, seed=43)
    hung = tmp_path / "in" / "hung.txt"
    hung.write_text(HANG_MARK + " 某单位 2023年度绩效自评报告", encoding="utf-8")
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p), timeout=5) for p in [good[0], hung, *good[1:]]]
    alone = []  # what the good documents give without the hung one beside them
    run_local([j for j in jobs if j.doc_id != "hung"], workers=2, on_outcome=alone.append, task=process_or_hang)
    outcomes = []
    run_local(jobs, workers=2, on_outcome=outcomes.append, task=process_or_hang, grace=2)
    assert len(outcomes) == 4
    records = {o.job.doc_id: o.record for o in outcomes if o.ok}
    assert records == {o.job.doc_id: o.record for o in alone} and len(records) == 3
    failed = [o.failure for o in outcomes if not o.ok]
    assert [f["kind"] for f in failed] == ["timeout"] and failed[0]["path"] == str(hung)
    assert "worker was killed" in failed[0]["error"]


def _llm_env(monkeypatch, tmp_path: Path, base_url: str, **extra: str) -> None:
    from pipeline.config import get_settings

    values = {"LLM_BASE_URL": base_url, "LLM_MODEL": "scripted-model", "LLM_CACHE": "false", "LLM_RETRY_WAIT": "0.05",
              "LLM_CACHE_DIR": str(tmp_path / "cache"), **extra}
    for key, value in values.items():
        monkeypatch.setenv(f"PIPELINE_{key}", value)
    get_settings.cache_clear()


def test_each_worker_gets_its_share_of_the_model_rate_limits(tmp_path, monkeypatch):
    from pipeline.batch.engines import run_local
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.runner import default_workers
    from pipeline.batch.work import Job
    from pipeline.config import get_settings
    from tests.support.batch_tasks import report_llm_rates

    reports = _reports(tmp_path / "in", 3, seed=47)
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p)) for p in reports]
    _llm_env(monkeypatch, tmp_path, "http://127.0.0.1:9/v1", LLM_REQUESTS_PER_MINUTE="120", LLM_TOKENS_PER_MINUTE="9000",
             LLM_CONCURRENCY="3")
    try:
        outcomes = []
        run_local(jobs, workers=2, on_outcome=outcomes.append, task=report_llm_rates)
        assert {o.failure["error"] for o in outcomes} == {"60.0 4500.0"}
        assert default_workers("llm") == default_workers("hybrid") == 3 and default_workers("rules") == max(1, os.cpu_count() or 1)
        monkeypatch.delenv("PIPELINE_LLM_TOKENS_PER_MINUTE")
        get_settings.cache_clear()
        outcomes.clear()
        run_local(jobs[:1], workers=1, on_outcome=outcomes.append, task=report_llm_rates)
        assert [o.failure["error"] for o in outcomes] == ["120.0 None"]  # one worker has the whole rate
    finally:
        get_settings.cache_clear()


def test_an_llm_batch_of_two_workers_keeps_the_whole_run_under_the_request_rate(tmp_path, monkeypatch):
    """8 reports, 2 workers, 60 requests per minute for the run: each worker may send one request
    every 2 s, so of any three requests in a row two came from the same worker, 2 s apart. (A
    worker's first request reaches the server late, by the time its client takes to start after its
    slot began, so the pairs are counted from the third request.) Without the share each worker
    would send one per second, or once the endpoint answered (after 1.1 s). The endpoint answers in
    more than half a worker's spacing, so the two workers' requests overlap there whatever their phase."""
    sys.path.insert(0, str(Path(__file__).parent / "cassettes"))
    import handwritten as scripted
    import test_llm
    from llm_server import ScriptedServer, gold, slowed
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.config import get_settings

    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(8):  # distinct contents: the batch would skip copies of one file
        (folder / f"report_{index}.txt").write_text(test_llm.REPORT + f"\n（第{index + 1}份）\n", encoding="utf-8")
    try:
        with ScriptedServer(slowed(gold(scripted.REPORT_RECORD), 1.1), models=["scripted-model"]) as server:
            _llm_env(monkeypatch, tmp_path, server.base_url, LLM_REQUESTS_PER_MINUTE="60")
            result = CliRunner().invoke(app, ["batch", str(folder), "--backend", "llm", "--workers", "2", "--no-store",
                                              "--out", str(tmp_path / "out")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code in (0, 1), result.output
    records = _lines(tmp_path / "out" / "records.jsonl")
    assert len(records) == 8 and all(r["meta"]["backend"] == "llm" and r["meta"]["llm_calls"] == 1 for r in records)
    arrivals = sorted(server.arrivals)
    assert len(arrivals) == 8
    assert all(later - earlier >= 2.0 - 0.25 for earlier, later in zip(arrivals[2:], arrivals[4:])), arrivals
    assert arrivals[-1] - arrivals[2] >= 2 * 2.0 - 0.25, arrivals  # each worker's 2nd to 4th request
    assert server.max_in_flight > 1


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ray_head(port: int, temp_dir: Path, env: dict[str, str]) -> subprocess.Popen:
    """A Ray head for the test, in a session of its own: it is stopped through that session's
    processes, never by name (other Ray instances on the machine are not ours). Started outside the
    checkout, so its workers find this pipeline only through the runtime environment the batch gives."""
    ray_cli = Path(sys.executable).with_name("ray")
    command = [str(ray_cli), "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
               "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={temp_dir}"]
    return subprocess.Popen(command, cwd=temp_dir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


_RAY_PROBE = """
import sys, ray
from pipeline.batch.engines import ray_worker_env
ray.init(address=sys.argv[1], log_to_driver=False, runtime_env={"env_vars": ray_worker_env(1)})
where = ray.remote(lambda: __import__("pipeline").__file__)
print(ray.get(where.remote()))
ray.shutdown()
"""


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    import socket

    until = time.monotonic() + 120
    while time.monotonic() < until:
        assert process.poll() is None, "the Ray head did not start"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError(f"the Ray head did not listen on {port}")


def _stop_session(leader: subprocess.Popen) -> None:
    """End every process of the session ``leader`` started (Ray's workers make process groups of
    their own, but stay in the session): SIGTERM, then SIGKILL for what is left."""
    def members() -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and os.getsid(int(entry.name)) == leader.pid:
                    pids.append(int(entry.name))
            except (ProcessLookupError, PermissionError):
                continue
        return pids

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in members():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        until = time.monotonic() + 15
        while members() and time.monotonic() < until:
            leader.poll()
            time.sleep(0.2)
    leader.wait(timeout=10)


def test_a_batch_on_an_existing_ray_cluster_gives_the_local_engines_records(tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install '.[ray]'); --engine ray cannot be tested without it")
    import tempfile

    _reports(tmp_path / "in", 3, seed=23)
    (tmp_path / "in" / "noise.pdf").write_bytes(os.urandom(2048))
    port, temp_dir = _free_port(), Path(tempfile.mkdtemp(prefix="ray-"))  # short: Ray's socket paths have a length limit
    # The cluster asks for a token (Ray's default), this test's own, given to the head and the batch.
    (temp_dir / "token").write_text(os.urandom(32).hex(), encoding="utf-8")
    auth = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(temp_dir / "token")}
    # The batch runs outside the checkout (its package on PYTHONPATH): Ray gives its workers the
    # driver's folder, which would hide whether the batch told them where this pipeline is.
    driver = {**auth, "PYTHONPATH": str(PROJECT_ROOT)}
    head = _ray_head(port, temp_dir, {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"}, **auth})
    try:
        _wait_for_port(port, head)
        # The cluster's workers import this checkout's pipeline (not the one installed in the venv).
        probe = subprocess.run([sys.executable, "-c", _RAY_PROBE, f"127.0.0.1:{port}"], cwd=temp_dir, capture_output=True,
                               text=True, timeout=300, env={**os.environ, **driver})
        assert probe.stdout.strip().splitlines()[-1:] == [str(PROJECT_ROOT / "pipeline" / "__init__.py")], probe.stderr
        on_ray = _cli([str(tmp_path / "in"), "--out", str(tmp_path / "ray"), "--no-store", "--workers", "2", "--engine", "ray",
                       "--ray-address", f"127.0.0.1:{port}"], tmp_path / "db.sqlite3", extra_env=driver, cwd=temp_dir)
        stdout, stderr = on_ray.communicate(timeout=600)
        assert on_ray.returncode == 2, stderr  # the bad file failed, the others were written
    finally:
        _stop_session(head)
        import shutil

        shutil.rmtree(temp_dir, ignore_errors=True)
    local = run_batch([tmp_path / "in"], BatchOptions(out_dir=tmp_path / "local", workers=2, store=False))
    by_id = {r["doc_id"]: r for r in _lines(tmp_path / "local" / "records.jsonl")}
    assert len(by_id) == 3 and {r["doc_id"]: r for r in _lines(tmp_path / "ray" / "records.jsonl")} == by_id
    assert _lines(tmp_path / "ray" / "failures.jsonl") == _lines(tmp_path / "local" / "failures.jsonl")
    assert [f["kind"] for f in local["failures"]] == ["corrupt_file"]


def _stored(url: str) -> tuple[dict, dict]:
    """Each stored document's id, hash, pages and machine record, and the review queue's counts."""
    from sqlalchemy import select

    from pipeline.review.models import DocumentRow, RecordRow
    from pipeline.review.store import Store

    store = Store(url)
    try:
        with store._session() as session:
            rows = session.execute(select(DocumentRow, RecordRow).join(RecordRow, RecordRow.document_id == DocumentRow.id)).all()
            stored = {d.doc_id: (d.sha256, d.pages, r.machine) for d, r in rows}
        return stored, store.counts()
    finally:
        store.close()


def test_a_batch_writes_the_same_records_to_postgresql_as_to_sqlite(tmp_path, monkeypatch, postgres_server):
    from tests.review_fixtures import new_postgres_database

    good = _reports(tmp_path / "in", 3, seed=29)
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    urls = {"sqlite": f"sqlite:///{tmp_path / 'review.sqlite3'}", "postgresql": new_postgres_database(postgres_server)}
    summaries = {}
    for kind, url in urls.items():
        monkeypatch.setenv("PIPELINE_DB_URL", url)
        summaries[kind] = run_batch([tmp_path / "in"], BatchOptions(out_dir=tmp_path / kind, workers=2, store=True))
    assert summaries["postgresql"]["this_run"]["review_items"] == summaries["sqlite"]["this_run"]["review_items"] == 3
    in_sqlite, queue_sqlite = _stored(urls["sqlite"])
    in_postgres, queue_postgres = _stored(urls["postgresql"])
    assert sorted(in_postgres) == sorted(p.stem for p in good)
    assert in_postgres == in_sqlite and queue_postgres == queue_sqlite
    written = {r["doc_id"]: r for r in _lines(tmp_path / "postgresql" / "records.jsonl")}
    assert {doc_id: machine for doc_id, (_, _, machine) in in_postgres.items()} == written
    assert _lines(tmp_path / "postgresql" / "failures.jsonl") == _lines(tmp_path / "sqlite" / "failures.jsonl")


def test_a_ray_task_that_hangs_where_its_timer_cannot_reach_is_killed_and_failed_as_a_timeout(tmp_path):
    pytest.importorskip("ray", reason="Ray is an optional extra (pip install '.[ray]'); --engine ray cannot be tested without it")
    from pipeline.batch.engines import run_ray
    from pipeline.batch.plan import file_sha256
    from pipeline.batch.work import Job
    from tests.support.batch_tasks import HANG_MARK, process_or_hang

    good = _reports(tmp_path / "in", 2, seed=53)
    hung = tmp_path / "in" / "hung.txt"
    hung.write_text(HANG_MARK + " 某单位 2023年度绩效自评报告", encoding="utf-8")
    jobs = [Job(path=str(p), doc_id=p.stem, sha256=file_sha256(p), timeout=5) for p in [hung, *good]]
    outcomes = []
    run_ray(jobs, workers=2, on_outcome=outcomes.append, task=process_or_hang, grace=2)
    assert sorted(o.job.doc_id for o in outcomes if o.ok) == sorted(p.stem for p in good)
    failed = [o.failure for o in outcomes if not o.ok]
    assert [f["kind"] for f in failed] == ["timeout"] and failed[0]["path"] == str(hung)
    assert "worker was killed" in failed[0]["error"] and len(outcomes) == 3
