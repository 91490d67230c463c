"""The one byte-offset reader every log and metrics follower uses: lines are never split between reads."""

from jupyter_estimator.store.tail import read_whole_lines


def test_a_line_being_written_waits_for_its_newline(tmp_path):
    path = tmp_path / "log.txt"
    path.write_bytes(b"one\ntw")
    first = read_whole_lines(path, 0, 1024)
    assert first == b"one\n"
    assert read_whole_lines(path, len(first), 1024) == b""  # "tw" is still being written
    with open(path, "ab") as handle:
        handle.write(b"o\nthree")
    assert read_whole_lines(path, len(first), 1024) == b"two\n"
    assert read_whole_lines(path, 8, 1024, final=True) == b"three"  # the writer is done: the rest counts


def test_a_line_longer_than_a_read(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(b"x" * 100 + b"\nnext\n")
    assert read_whole_lines(path, 0, 10) == b"x" * 10  # handed out in pieces
    assert read_whole_lines(path, 0, 10, grow_long_line=True) == b"x" * 100 + b"\n"  # or whole
    path.write_bytes(b"y" * 100)
    assert read_whole_lines(path, 0, 10, grow_long_line=True) == b""  # whole means after its newline


def test_limits_and_missing_files(tmp_path):
    path = tmp_path / "log.txt"
    assert read_whole_lines(path, 0, 10) == b""
    path.write_bytes(b"a\nb\nc\n")
    assert read_whole_lines(path, 0, 5) == b"a\nb\n"
    assert read_whole_lines(path, 4, 5) == b"c\n"
    assert read_whole_lines(path, 6, 5) == b""
