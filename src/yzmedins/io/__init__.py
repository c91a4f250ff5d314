"""The outer shell's codecs: the JSON contract of specification §11 (the core never imports
this)."""
