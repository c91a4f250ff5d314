"""第二十二条, 第二十七条, 第三十一条 — stays the fund does not pay.

第二十二条 … 无第三方责任人的意外伤害,其发生的医疗费用按意外伤害医疗保险规定支付。
第二十七条 离休人员按国家、省、市有关规定享受医疗待遇。
第三十一条 有下列情形所发生的医疗费用不列入城镇职工医疗保险基金支付范围：(一)自杀、自残、他伤、
打架斗殴、酗酒、吸毒、服刑期间；(二)交通事故、医疗事故及其他责任事故；(三)工伤、职业病的医疗和
康复；(四)因美容、矫形、生理缺陷等进行治疗的费用；(五)其他违法行为导致病、伤、残的；(六)境外及港、
澳、台地区就医的；(七)在就医地非协议医疗机构就医的；(八)无正当理由超过办理时限的；(九)国家和省市
有关政策规定的其他不支付费用的情形。
"""

from __future__ import annotations

from yzmedins.model import Cause, Claim, Hospital, Person, Reason, Region, Status
from yzmedins.rules.reasons import (
    ABROAD,
    ACCIDENT_SCHEME,
    EXCLUDED_CAUSE,
    LIXIU,
    NON_CONTRACTED,
    reason,
)

#: 第三十一条: the item (一)…(五), (九) that excludes each cause.
EXCLUDED_CAUSE_ITEMS: dict[Cause, int] = {
    Cause.SUICIDE_SELF_HARM: 1,
    Cause.ASSAULT_OR_FIGHT: 1,
    Cause.ALCOHOL_OR_DRUGS: 1,
    Cause.IN_CUSTODY: 1,
    Cause.TRAFFIC_ACCIDENT: 2,
    Cause.MEDICAL_ACCIDENT: 2,
    Cause.LIABILITY_ACCIDENT: 2,
    Cause.WORK_INJURY: 3,
    Cause.COSMETIC: 4,
    Cause.ILLEGAL_ACT: 5,
    Cause.OTHER_EXCLUDED: 9,
}


def lixiu(person: Person) -> Reason | None:
    """第二十七条: a 离休 person's care is funded separately, not by this fund."""
    if Status.LIXIU in person.statuses:
        return reason(LIXIU, "离休人员: covered by separate funding (第二十七条)")
    return None


def stay_exclusions(claim: Claim, hospital: Hospital) -> list[Reason]:
    """第三十一条(六)(一)–(五)(九), 第二十二条, 第三十一条(七), in the order of specification §9."""
    reasons: list[Reason] = []
    if hospital.region is Region.ABROAD:
        reasons.append(reason(ABROAD, "境外及港、澳、台地区就医 (第三十一条(六))"))
    item = EXCLUDED_CAUSE_ITEMS.get(claim.cause)
    if item is not None:
        reasons.append(
            reason(EXCLUDED_CAUSE, f"cause {claim.cause.value} is excluded (第三十一条)", item)
        )
    if claim.cause is Cause.ACCIDENT_NO_THIRD_PARTY:
        reasons.append(
            reason(ACCIDENT_SCHEME, "无第三方责任人的意外伤害: paid under the accident scheme")
        )
    if not hospital.contracted:
        reasons.append(reason(NON_CONTRACTED, "非协议医疗机构 (第三十一条(七))"))
    return reasons
