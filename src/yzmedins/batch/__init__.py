"""The agency's batch runs: streaming in parallel, the ledger store, the run summary.

Part of the outer shell: the rules in :mod:`yzmedins.engine` never import it.
"""
