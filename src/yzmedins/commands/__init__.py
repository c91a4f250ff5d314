"""The commands of the ``yzmedins`` program, one module each (``adjudicate``, ``contributions``,
``retirement``, ``reverse``, ``clear``), and :mod:`~yzmedins.commands.common`, what they share.

Each command module offers ``register(subparsers)``, which adds its parser and sets ``run`` on
it; :mod:`yzmedins.cli` registers them all.
"""
