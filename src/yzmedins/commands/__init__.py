"""The commands of the ``yzmedins`` program, one module each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from yzmedins.commands import adjudicate, contributions, retirement

#: Each command module's ``register(subparsers)``; it sets ``run`` on its parser.
REGISTRATIONS: tuple[Callable[[Any], None], ...] = (
    adjudicate.register,
    contributions.register,
    retirement.register,
)
