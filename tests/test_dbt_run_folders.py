"""Pruning dbt's per-run target folders: the newest and the current run's stay, nothing else is touched."""

import os

from orchestration.dbt_run_folders import prune_run_folders, run_folder


def _folder(target, run_id, mtime):
    folder = run_folder(target, run_id)
    (folder / "compiled").mkdir(parents=True)
    (folder / "run_results.json").write_text("{}")
    os.utime(folder, (mtime, mtime))
    return folder


def test_the_newest_folders_and_the_current_run_stay(tmp_path):
    folders = [_folder(tmp_path, f"r{i}", 1_000_000 + i) for i in range(6)]  # r5 the newest
    (tmp_path / "partial_parse.msgpack").write_bytes(b"x")
    (tmp_path / "compiled").mkdir()

    removed = prune_run_folders(tmp_path, keep=2, current_run_id="r0")

    assert sorted(removed) == sorted(folders[1:4])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "compiled", "partial_parse.msgpack", "run-r0", "run-r4", "run-r5"]


def test_keeping_more_than_there_are_removes_nothing(tmp_path):
    for i in range(3):
        _folder(tmp_path, f"r{i}", 1_000_000 + i)
    assert prune_run_folders(tmp_path, keep=30, current_run_id="r9") == []
    assert prune_run_folders(tmp_path, keep=0, current_run_id="r1") != []
    assert [p.name for p in tmp_path.iterdir()] == ["run-r1"]
