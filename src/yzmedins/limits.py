"""Engine limits: how large an input may be (docs/limits.md).

These are not numbers of the law (they cite no article): they keep memory flat and every value
writable whatever the input, so that an oversized value is one error record and never a crash.
"""

from __future__ import annotations

#: The longest JSON Lines input line, in bytes (the newline not counted). A longer line is one
#: error record; its bytes are skipped without being held in memory.
MAX_LINE_BYTES = 1 << 20  # 1 MiB: about 1,500 claims in one bundle

#: The longest person or claim id, in characters.
MAX_ID_LENGTH = 128

#: The largest count of deemed contribution months (视同缴费年限, 第十一条): 100 years.
MAX_DEEMED_MONTHS = 1200

#: The largest year accepted where an input names a year.
MAX_YEAR = 9999

#: The most characters of a refused value repeated in an error message.
SHOWN_CHARS = 40
