"""The outer shell's codecs: the JSON contract of RULES §10 (the core never imports this)."""
