"""Time limits that really stop C-level work (issue #8)."""

from __future__ import annotations

import os
import re
import threading
from typing import Any

import pytest

from drugpolicy_kg.errors import EngineError, InputError, TimeLimitExceeded
from drugpolicy_kg.limits import TimeLimit, run_with_timeout


def _catastrophic() -> bool:
    """Exponential backtracking inside ``re``'s C loop: signal.alarm cannot interrupt it."""
    return re.match(r"^(a+)+$", "a" * 64 + "!") is not None


def _add(a: int, b: int = 0) -> int:
    return a + b


def test_returns_the_result_and_accepts_closures() -> None:
    offset = 10
    assert run_with_timeout(lambda x: x + offset, 5, 1) == 11
    assert run_with_timeout(_add, 5, 2, b=3) == 5


def test_catastrophic_regex_is_stopped() -> None:
    with pytest.raises(TimeLimitExceeded, match=r"timed out after 1 s.*--timeout"):
        run_with_timeout(_catastrophic, 1)


def test_message_names_the_work() -> None:
    with pytest.raises(TimeLimitExceeded, match=r"validation of plan\.ttl timed out"):
        TimeLimit(1, what="validation of plan.ttl").run(_catastrophic)


def test_exceptions_come_back_with_type_and_attributes() -> None:
    def fail() -> None:
        raise InputError("bad value", "plan.ttl", 3, 7)

    with pytest.raises(InputError) as info:
        run_with_timeout(fail, 5)
    assert (info.value.source, info.value.line, info.value.column) == ("plan.ttl", 3, 7)
    assert str(info.value) == "plan.ttl:3:7: bad value"
    with pytest.raises(ZeroDivisionError):
        run_with_timeout(lambda: 1 / 0, 5)


def test_a_dying_worker_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="stopped unexpectedly"):
        run_with_timeout(os._exit, 5, 3)


def test_an_unpicklable_result_is_an_engine_error() -> None:
    with pytest.raises(EngineError, match="could not be sent back"):
        run_with_timeout(threading.Lock, 5)


@pytest.mark.parametrize("seconds", [None, 0])
def test_no_limit_runs_in_process(seconds: Any) -> None:
    pid = run_with_timeout(os.getpid, seconds)
    assert pid == os.getpid()


def test_spawn_start_method_works_with_module_level_functions() -> None:
    assert TimeLimit(30, start_method="spawn").run(_add, 4, b=5) == 9


def test_timeout_is_an_input_error_so_the_cli_exits_2() -> None:
    assert issubclass(TimeLimitExceeded, InputError)
