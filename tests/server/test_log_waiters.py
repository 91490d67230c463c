"""Long-polling log readers share one poller that wakes them when their file grows or the run's status changes."""

from __future__ import annotations

import asyncio
import os
import time


def test_fifty_waiters_share_one_poller_and_wake_on_growth_or_status(tmp_path):
    from jupyter_estimator.server.log_waiters import LogWaiters
    log, status = tmp_path / "std_log.txt", tmp_path / "status.json"
    log.write_bytes(b"first\n")
    status.write_text("{}")

    async def scenario() -> None:
        waiters = LogWaiters()
        size = log.stat().st_size
        tasks = [asyncio.create_task(waiters.wait(log, size, status, 30)) for _ in range(50)]
        await asyncio.sleep(0.2)
        assert waiters.waiting == 50 and not any(t.done() for t in tasks)
        polls = [t for t in asyncio.all_tasks() if t.get_coro().__name__ == "_poll"]
        assert len(polls) == 1  # one poller, however many clients wait
        with open(log, "ab") as handle:
            handle.write(b"second\n")
        await asyncio.wait_for(asyncio.gather(*tasks), 10)
        assert waiters.waiting == 0
        # a status change (the run ended) wakes a waiter whose file did not grow
        size = log.stat().st_size
        waiter = asyncio.create_task(waiters.wait(log, size, status, 30))
        await asyncio.sleep(0.1)
        assert not waiter.done()
        time.sleep(0.01)
        status.write_text('{"status": "Completed"}')
        os.utime(status, None)
        await asyncio.wait_for(waiter, 10)
        # nothing to wait for: returns at once; a timeout ends the wait
        await asyncio.wait_for(waiters.wait(log, 0, status, 30), 1)
        await asyncio.wait_for(waiters.wait(log, log.stat().st_size, status, 0.1), 5)

    asyncio.run(scenario())
