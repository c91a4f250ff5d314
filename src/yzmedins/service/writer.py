"""The service's one writer: messages answered in arrival order, committed together.

Requests are handed to one thread that owns the ledger store. It takes every message waiting
(up to :data:`MAX_BATCH`), answers each in turn inside one transaction — so two messages of one
person are answered one after the other, the second seeing what the first wrote — and commits
them together; only then does each request get its answer. An answer "0" therefore means the
record is in the store, and a ``kill -9`` after it loses nothing; a crash before it leaves no
trace of the message, and its retry is answered afresh. Messages of different persons share one
commit instead of waiting for each other's.
"""

from __future__ import annotations

import queue
import sys
import threading
from concurrent.futures import Future
from typing import Any

from yzmedins.batch.store import StoreError
from yzmedins.service.desk import Desk, answer_bytes

#: Messages committed in one transaction at most.
MAX_BATCH = 256

_Item = tuple[Any, str | None, "Future[bytes]"]


class Writer:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="yzmedins-writer", daemon=True)
        self.thread.start()

    def submit(self, envelope: Any, infno_in_path: str | None = None) -> Future[bytes]:
        """The answer to ``envelope``, once it is committed."""
        future: Future[bytes] = Future()
        self.queue.put((envelope, infno_in_path, future))
        return future

    def close(self) -> None:
        """Answer what is queued, then stop."""
        self.queue.put(None)
        self.thread.join()

    def _run(self) -> None:
        while True:
            first = self.queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self.queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            self._answer(batch)
            if stop:
                return

    def _answer(self, batch: list[_Item]) -> None:
        desk, store = self.desk, self.desk.store
        answers: list[bytes] = []
        try:
            store.begin()
            for envelope, infno, _ in batch:
                try:
                    answers.append(desk.answer(envelope, infno))
                except StoreError as error:
                    answers.append(_unrecorded(desk, envelope, error))
            store.commit_transaction()
        except StoreError as error:
            store.rollback()
            answers = [_unrecorded(desk, envelope, error) for envelope, _, _ in batch]
        except BaseException as error:  # a defect: answer, never leave a request waiting
            store.rollback()
            print(f"yzmedins serve: {type(error).__name__}: {error}", file=sys.stderr)
            answers = [_unrecorded(desk, envelope, error) for envelope, _, _ in batch]
        for (_, _, future), answer in zip(batch, answers, strict=True):
            future.set_result(answer)


def _unrecorded(desk: Desk, envelope: Any, error: BaseException) -> bytes:
    """The answer to a message the store could not record: refused, nothing kept; a retry
    with the same ``msgid`` is answered afresh."""
    print(f"yzmedins serve: {error}", file=sys.stderr)
    msgid = envelope.get("msgid") if isinstance(envelope, dict) else None
    return answer_bytes(
        "-1",
        msgid if isinstance(msgid, str) else None,
        desk.now(),
        "the ledger store could not record this message; nothing was kept: retry it",
    )
