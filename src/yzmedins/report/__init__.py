"""Reports the agency reads: totals by group, the annual caps, the secondary subsidy.

``aggregate`` folds records into group totals and person-years (pure); ``persons`` keeps the
person-years of a large input on disk; ``tables`` turns a finished report into the tables and
charts every writer shows; ``xlsx`` and ``html`` write them. The rules never import this
package: a report reads records, it computes no rule.
"""
