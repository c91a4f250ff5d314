"""yzmedins — claims adjudication under 永政发〔2017〕12号 (永州市城镇职工基本医疗保险实施办法).

The public API for hospital billing systems::

    from yzmedins import adjudicate_claim, adjudicate_bundle

``adjudicate_claim(person, contributions, claim, ledger)`` returns ``(result, new_ledger)`` and
changes nothing else; ``adjudicate_bundle(bundle)`` settles a person's claims in the
specification's order (§3).

The readers turn JSON values (specification §11) into the model: ``parse_bundle`` a whole bundle,
and ``parse_person``, ``parse_contribution``, ``parse_ledger``, ``parse_hospital`` and
``parse_claim`` one value of their shape each, raising :class:`InputError` with the field
relative to that value (``total``; a ledger's fields are ``ytd.…``, the name the API gives it).
"""

from yzmedins.engine import adjudicate_bundle, adjudicate_claim
from yzmedins.errors import InputError
from yzmedins.io.codec import (
    parse_bundle,
    parse_claim,
    parse_contribution,
    parse_hospital,
    parse_ledger,
    parse_person,
    result_to_json,
)
from yzmedins.model import (
    Bundle,
    Category,
    Cause,
    Claim,
    ClaimResult,
    ClaimStatus,
    ClaimType,
    ContributionRecord,
    FemaleClass,
    Hospital,
    Ledger,
    Level,
    Month,
    Person,
    Reason,
    Region,
    Route,
    Settlement,
    Sex,
    Status,
    TraceStep,
)
from yzmedins.policy import Policy, PolicySet, default_policies

__version__ = "0.1.0"

__all__ = [
    "Bundle",
    "Category",
    "Cause",
    "Claim",
    "ClaimResult",
    "ClaimStatus",
    "ClaimType",
    "ContributionRecord",
    "FemaleClass",
    "Hospital",
    "InputError",
    "Ledger",
    "Level",
    "Month",
    "Person",
    "Policy",
    "PolicySet",
    "Reason",
    "Region",
    "Route",
    "Settlement",
    "Sex",
    "Status",
    "TraceStep",
    "__version__",
    "adjudicate_bundle",
    "adjudicate_claim",
    "default_policies",
    "parse_bundle",
    "parse_claim",
    "parse_contribution",
    "parse_hospital",
    "parse_ledger",
    "parse_person",
    "result_to_json",
]
