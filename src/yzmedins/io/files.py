"""The files of a run: outputs that never look complete when they are not, and no output that
is an input, another output or the ledger store (docs/limits.md).

An output to a regular file (or to a name that does not exist yet) is written to a temporary
file beside it, ``.NAME.XXXXXXXX.partial``, and renamed into place only when the run finishes;
a run that fails or is killed leaves the previous file (if any) untouched and no file that looks
complete. An output that is not a regular file (standard output, a pipe, a device such as
``/dev/null``) is written in place. Every write failure (a full disk, a size limit, a device
that refuses data) becomes :class:`FileFailure` naming the file, which the command line turns
into exit status 2 with one message.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import BinaryIO

#: Bytes read at a time where a spool file is copied without sendfile.
_BLOCK = 1 << 20
#: What :func:`os.sendfile` fails with where the output does not take it: the copy is read and
#: written instead.
_NO_SENDFILE = frozenset(
    getattr(errno, name)
    for name in ("EINVAL", "ENOSYS", "EOPNOTSUPP", "ENOTSUP", "EXDEV", "ESPIPE")
    if hasattr(errno, name)
)

__all__ = ["FileFailure", "Output", "check_distinct", "file_identity", "stream_identity"]


class FileFailure(Exception):
    """A file that cannot be read or written, or an output that would clash with another
    file of the run: the command line exits with status 2 and this message."""


#: What identifies a file for the clash checks: its device and inode when it exists (so a
#: symlink, a hard link or another spelling of the path is the same file), else its resolved
#: path. ``None``: not a regular file (a device, a pipe, a terminal), which never clashes.
Identity = tuple[object, ...] | None


def _identity_of(status: os.stat_result) -> Identity:
    if not stat.S_ISREG(status.st_mode):
        return None
    return ("inode", status.st_dev, status.st_ino)


def file_identity(path: str) -> Identity:
    """The identity of the file at ``path`` (which need not exist yet)."""
    try:
        return _identity_of(os.stat(path))
    except FileNotFoundError:
        return ("path", os.path.realpath(path))
    except OSError:
        return ("path", os.path.realpath(path))


def stream_identity(stream: BinaryIO) -> Identity:
    """The identity of an open standard stream (a regular file it was redirected to, or None)."""
    try:
        return _identity_of(os.fstat(stream.fileno()))
    except (OSError, ValueError, AttributeError):
        return None


def check_distinct(
    inputs: Sequence[tuple[str, Identity]],
    outputs: Sequence[tuple[str, Identity]],
) -> None:
    """Refuse a run whose outputs clash: an output that is one of the inputs (which writing it
    would destroy), or the same file as another output (two streams interleaved). Each entry is
    ``(name shown in the message, identity)``; entries whose identity is None never clash."""
    seen_inputs = {identity: name for name, identity in inputs if identity is not None}
    seen_outputs: dict[object, str] = {}
    for name, identity in outputs:
        if identity is None:
            continue
        if identity in seen_inputs:
            raise FileFailure(
                f"{name} is also an input ({seen_inputs[identity]}): refusing to write over it"
            )
        if identity in seen_outputs:
            raise FileFailure(
                f"{name} is also written as {seen_outputs[identity]}: give each its own file"
            )
        seen_outputs[identity] = name


class Output:
    """A binary output of a run, named for its error messages.

    Use it as a context manager: leaving the block normally puts the file in place (renames
    the temporary file over the target), leaving it by an exception removes the temporary file.
    """

    def __init__(
        self,
        name: str,
        stream: BinaryIO,
        *,
        owned: bool = False,
        temporary: str | None = None,
    ) -> None:
        self.name = name
        self.stream = stream
        self._owned = owned  # opened here, so closed here
        self._temporary = temporary  # written beside ``name``, renamed over it at the end
        self._done = False
        self._sendfile = hasattr(os, "sendfile")  # False once the output refused it

    @classmethod
    def open(cls, path: str) -> Output:
        """An output to ``path``: beside and renamed into place for a regular (or new) file,
        in place for anything else."""
        try:
            status: os.stat_result | None = os.stat(path)
        except FileNotFoundError:
            status = None
        except OSError as error:
            raise FileFailure(f"cannot write {path}: {error.strerror or error}") from None
        try:
            if status is not None and not stat.S_ISREG(status.st_mode):
                return cls(path, open(path, "wb"), owned=True)
            folder, base = os.path.split(os.path.abspath(path))
            descriptor, temporary = tempfile.mkstemp(
                prefix=f".{base}.", suffix=".partial", dir=folder
            )
        except OSError as error:
            raise FileFailure(f"cannot write {path}: {error.strerror or error}") from None
        mode = stat.S_IMODE(status.st_mode) if status is not None else 0o666 & ~_umask()
        with contextlib.suppress(OSError):
            os.fchmod(descriptor, mode)
        return cls(path, os.fdopen(descriptor, "wb"), owned=True, temporary=temporary)

    def write(self, data: bytes) -> None:
        try:
            self.stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failure(error) from None

    def writelines(self, lines: Iterable[bytes]) -> None:
        try:
            self.stream.writelines(lines)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failure(error) from None

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            raise
        except OSError as error:
            raise self._failure(error) from None

    def copy_from(self, source: int, offset: int, count: int) -> None:
        """Append ``count`` bytes of the open file ``source`` from ``offset``: in the kernel
        with :func:`os.sendfile` where the output has a descriptor that takes it, else read and
        written in blocks (a stream without a descriptor, an append-only file, a device that
        refuses sendfile, a system without it)."""
        if count <= 0:
            return
        self.flush()
        if self._sendfile:
            try:
                target = self.stream.fileno()
            except (OSError, ValueError):  # no descriptor (an in-memory stream)
                self._sendfile = False
            else:
                sent = self._send(target, source, offset, count)
                offset, count = offset + sent, count - sent
        while count > 0:
            try:
                block = os.pread(source, min(count, _BLOCK), offset)
            except OSError as error:
                raise FileFailure(f"cannot read a spool file: {error.strerror or error}") from None
            if not block:
                raise FileFailure(f"cannot write {self.name}: a spool file ended early")
            self.write(block)
            offset, count = offset + len(block), count - len(block)

    def _send(self, target: int, source: int, offset: int, count: int) -> int:
        """Bytes sent with :func:`os.sendfile` (all of ``count`` unless the output refuses
        sendfile before any byte, when the copy falls back to blocks for good)."""
        sent = 0
        while sent < count:
            try:
                done = os.sendfile(target, source, offset + sent, count - sent)
            except BrokenPipeError:
                raise
            except OSError as error:
                if sent == 0 and error.errno in _NO_SENDFILE:
                    self._sendfile = False
                    return 0
                raise self._failure(error) from None
            if done == 0:
                raise FileFailure(f"cannot write {self.name}: a spool file ended early")
            sent += done
        return sent

    def _failure(self, error: OSError) -> FileFailure:
        return FileFailure(f"cannot write {self.name}: {error.strerror or error}")

    def commit(self) -> None:
        """Flush and close; put a file written beside its target in place."""
        if self._done:
            return
        self._done = True
        try:
            self.stream.flush()
            if self._temporary is not None:
                os.fsync(self.stream.fileno())
            if self._owned:
                self.stream.close()
            if self._temporary is not None:
                os.replace(self._temporary, self.name)
        except BrokenPipeError:
            self._remove_temporary()
            raise
        except OSError as error:
            self._remove_temporary()
            raise self._failure(error) from None

    def abort(self) -> None:
        """Leave the target as it was: remove the temporary file (a file written in place
        keeps what was written)."""
        if self._done:
            return
        self._done = True
        if not self._owned:
            with contextlib.suppress(OSError, ValueError):
                self.stream.flush()
        self._remove_temporary()

    def _remove_temporary(self) -> None:
        if self._owned:
            with contextlib.suppress(OSError, ValueError):
                self.stream.close()
        if self._temporary is not None:
            with contextlib.suppress(OSError):
                os.remove(self._temporary)

    def __enter__(self) -> Output:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
