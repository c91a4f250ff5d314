"""Every label a person reads, in Chinese and in English: one table, in one place.

The slip, the summary table (``--lang zh|en``), the reports and the ``message_zh`` of each
rejection reason take their words from here. Keys are the contract's own names: an amount field
(``basic_fund``), a value of an enumerated field (``level.tertiary``), a reason code
(``reason.NOT_INSURED``) or a heading (``slip.title``). Pure data and two small functions; no I/O.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final, Literal

Lang = Literal["zh", "en"]
LANGS: Final = ("zh", "en")

#: key → (Chinese, English).
LABELS: Final[dict[str, tuple[str, str]]] = {
    # Amounts of a record (the result line's keys).
    "total": ("医疗费总额", "Total medical expenses"),
    "full_self_pay": ("全自费", "Fully self-paid"),
    "pre_self_pay": ("先行自付", "Paid first by the patient"),
    "eligible": ("政策范围内费用", "Within the policy scope"),
    "deductible": ("起付标准", "Deductible"),
    "basic_fund": ("统筹基金支付", "Basic pooling fund"),
    "catastrophic_fund": ("大病医疗互助支付", "Catastrophic mutual aid fund"),
    "other_fund": ("特殊病种支付", "Special-disease payment"),
    "secondary_subsidy": ("二次补助", "Secondary subsidy"),
    "fund_total": ("基金支付合计", "Funds paid in all"),
    "personal_cash": ("个人现金支付", "Paid by the patient in cash"),
    "self_burden": ("个人自负", "Self-burden"),
    "in_scope_self_burden": ("政策范围内个人自负", "Self-burden within the scope"),
    "banded": ("进入分段计算的费用", "Entered into the bands"),
    "basic_rate": ("统筹基金支付比例", "Basic fund rate"),
    "catastrophic_rate": ("大病医疗互助支付比例", "Catastrophic fund rate"),
    # The year so far (ytd) and the caps.
    "ytd": ("本年累计", "This year so far"),
    "ytd.basic_fund": ("统筹基金累计支付", "Basic fund paid this year"),
    "ytd.catastrophic_fund": ("大病医疗互助累计支付", "Catastrophic fund paid this year"),
    "ytd.self_burden": ("个人自负累计", "Self-burden this year"),
    "ytd.secondary_subsidy": ("二次补助累计", "Secondary subsidy paid this year"),
    "ytd.banded": ("累计进入分段费用", "Entered into the bands this year"),
    "room.basic_fund": ("统筹基金年度剩余额度", "Basic fund's cap left"),
    "room.catastrophic_fund": ("大病医疗互助年度剩余额度", "Catastrophic fund's cap left"),
    "room.secondary_subsidy": ("二次补助剩余额度", "Subsidy's cap left"),
    # Facts of a record.
    "claim_id": ("就诊编号", "Claim"),
    "setl_id": ("结算编号", "Settlement"),
    "person_id": ("人员编号", "Person"),
    "category": ("人员类别", "Category"),
    "type": ("就诊类型", "Type"),
    "stay": ("住院日期", "Stay"),
    "hospital_level": ("医院等级", "Hospital level"),
    "hospital_region": ("就医地", "Region"),
    "route": ("就医方式", "Route"),
    "settlement": ("结算方式", "Settlement"),
    "applied_rule": ("适用规定", "Rule applied"),
    "status": ("结算结果", "Outcome"),
    "record": ("记录类型", "Record"),
    "year": ("结算年度", "Settlement year"),
    "maternity": ("生育住院", "Maternity stay"),
    "reasons": ("不予支付原因", "Why nothing is paid"),
    "claims": ("人次", "Claims"),
    # Values of the enumerated fields.
    "category.employee": ("在职职工", "employee"),
    "category.flexible": ("灵活就业人员", "flexible employment"),
    "category.retiree": ("退休人员", "retiree"),
    "type.inpatient": ("住院", "inpatient"),
    "type.special_outpatient": ("特殊门诊", "special outpatient"),
    "level.tertiary": ("三级医院", "tertiary hospital"),
    "level.secondary": ("二级医院", "secondary hospital"),
    "level.primary": ("一级医院", "primary hospital"),
    "level.community": ("乡镇卫生院/社区卫生服务中心", "township or community centre"),
    "region.local": ("本统筹地区", "local"),
    "region.in_province": ("省内市外", "in the province"),
    "region.out_of_province": ("省外", "outside the province"),
    "region.abroad": ("境外及港澳台", "abroad"),
    "route.none": ("本地就医", "local stay"),
    "route.referral": ("转诊转院", "referral"),
    "route.relocated": ("异地安置", "relocated"),
    "route.emergency": ("急诊抢救", "emergency"),
    "settlement.direct": ("就医医院直接结算", "settled at the hospital"),
    "settlement.reimbursement": ("回参保地报账", "reimbursed back home"),
    "applied_rule.local": ("本地住院", "local stay"),
    "applied_rule.referral_in_province": ("省内市外转诊", "referral in the province"),
    "applied_rule.referral_out_of_province": ("省外转诊", "referral outside the province"),
    "applied_rule.special_outpatient": ("特殊门诊", "special outpatient"),
    "applied_rule.none": ("不予支付", "none (rejected)"),
    "route_kind.local": ("本地住院", "local"),
    "route_kind.referral_in_province": ("省内市外转诊", "referral in the province"),
    "route_kind.referral_out_of_province": ("省外转诊", "referral outside the province"),
    "route_kind.relocated": ("异地安置", "relocated"),
    "route_kind.emergency": ("急诊抢救", "emergency"),
    "route_kind.special_outpatient": ("特殊门诊", "special outpatient"),
    "status.approved": ("予以支付", "approved"),
    "status.rejected": ("不予支付", "rejected"),
    "record.settlement": ("结算", "settlement"),
    "record.reversal": ("结算撤销", "reversal"),
    "record.correction": ("年终清算更正", "year-end correction"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    # Rejection reasons in plain words (``message_zh``; the article follows in parentheses).
    "reason.NOT_IN_FORCE": (
        "出院日期不在本办法施行期间，不按本办法结算",
        "the discharge date is outside the period the measures were in force",
    ),
    "reason.LIXIU": (
        "离休人员按国家、省、市有关规定享受医疗待遇，不由本基金支付",
        "retired cadres (离休) are covered by separate funding",
    ),
    "reason.NOT_INSURED": (
        "就医时不在参保缴费享受待遇期间",
        "the person was not insured with benefits in the month of the stay",
    ),
    "reason.WAITING_PERIOD": (
        "中断缴费后重新参保，尚在待遇等待期内",
        "the stay falls in the waiting period after a break in contributions",
    ),
    "reason.ABROAD": (
        "在境外及港、澳、台地区就医的费用，基金不予支付",
        "stays abroad and in Hong Kong, Macao and Taiwan are not paid",
    ),
    "reason.EXCLUDED_CAUSE": (
        "因本办法规定不予支付的原因发生的医疗费用，基金不予支付",
        "the cause of the stay is one the measures exclude",
    ),
    "reason.EXCLUDED_CAUSE.1": (
        "自杀、自残、他伤、打架斗殴、酗酒、吸毒、服刑期间发生的医疗费用，基金不予支付",
        "suicide, self-harm, fighting, alcohol or drugs, or custody: not paid",
    ),
    "reason.EXCLUDED_CAUSE.2": (
        "交通事故、医疗事故及其他责任事故发生的医疗费用，基金不予支付",
        "a traffic, medical or other liability accident: not paid",
    ),
    "reason.EXCLUDED_CAUSE.3": (
        "工伤、职业病的医疗和康复费用，基金不予支付",
        "a work injury, paid by work-injury insurance",
    ),
    "reason.EXCLUDED_CAUSE.4": (
        "因美容、矫形、生理缺陷等进行治疗的费用，基金不予支付",
        "cosmetic or corrective treatment, not treatment of illness: not paid",
    ),
    "reason.EXCLUDED_CAUSE.5": (
        "其他违法行为导致病、伤、残的医疗费用，基金不予支付",
        "costs arising from an illegal act: not paid",
    ),
    "reason.EXCLUDED_CAUSE.9": (
        "国家和省市有关政策规定不支付的费用，基金不予支付",
        "other costs the state and the province exclude",
    ),
    "reason.ACCIDENT_SCHEME": (
        "无第三方责任人的意外伤害，按意外伤害医疗保险规定支付",
        "an accident without a liable third party is paid under the accident scheme",
    ),
    "reason.NON_CONTRACTED": (
        "在就医地非协议医疗机构就医的费用，基金不予支付",
        "the hospital is not a contracted (协议) institution",
    ),
    "reason.UNREFERRED": (
        "未按规定办理转诊转院（或异地安置）手续，原则上不予报账",
        "no referral (or relocation registration) as the measures require",
    ),
    "reason.OVERDUE": (
        "无正当理由超过办理时限，基金不予支付",
        "the emergency was not registered within the time allowed",
    ),
    # Headings of the slip and the summary.
    "slip.title": ("永州市城镇职工基本医疗保险结算单", "Settlement slip"),
    "slip.policy": ("永政发〔2017〕12号", "Yongzhou measures 2017 No. 12"),
    "slip.reversal": (
        "结算撤销：本单冲销原结算，各项金额为原结算的相反数",
        "Reversal: this slip cancels the settlement it names; every amount is its negation",
    ),
    "slip.correction": (
        "年终清算更正：各项金额为重新结算与原结算之差",
        "Year-end correction: each amount is the fresh settlement less what was settled",
    ),
    "slip.reverses": ("撤销的结算", "Reverses"),
    "slip.corrects": ("更正的结算", "Corrects"),
    "slip.item": ("项目", "Item"),
    "slip.amount": ("金额（元）", "Amount (yuan)"),
    "slip.article": ("依据", "Article"),
    "slip.rejected": ("本次就医不予支付，费用由个人负担", "Nothing is paid; the patient pays all"),
    "summary.title": ("yzmedins 结算汇总", "yzmedins adjudicate — summary"),
    "summary.read": ("读入", "read"),
    "summary.bundles": ("参保人", "bundles"),
    "summary.claims": ("就诊", "claims"),
    "summary.approved": ("予以支付", "approved"),
    "summary.rejected": ("不予支付", "rejected"),
    "summary.input_errors": ("输入错误", "input errors"),
    "summary.reproduced": (
        "已结算过（按账本重现）",
        "reproduced from the ledger (settled before)",
    ),
    "summary.all_claims": ("全部就诊", "all claims"),
    # Report headings.
    "report.title": ("永州市城镇职工基本医疗保险结算报表", "Settlement report"),
    "report.policy": ("永政发〔2017〕12号", "Yongzhou measures 2017 No. 12"),
    "report.sources": ("数据来源", "Read from"),
    "report.empty": ("没有读到任何结算记录，报表为空", "No records were read: the report is empty"),
    "report.lines_not_records": ("无法读取的记录行", "Lines that are not records"),
    "report.contents": ("目录", "Contents"),
    "report.overview": ("总览", "Overview"),
    "report.by_month": ("按出院月份", "By month of discharge"),
    "report.by_rule": ("按适用规定", "By rule applied"),
    "report.by_level": ("按医院等级", "By hospital level"),
    "report.by_region": ("按就医地", "By region"),
    "report.by_settlement": ("按结算方式", "By settlement"),
    "report.by_category": ("按人员类别", "By category of person"),
    "report.breakdown": ("明细分组", "Every group"),
    "report.rejections": ("不予支付原因", "Rejections by reason"),
    "report.caps": ("年度最高支付限额", "Annual caps"),
    "report.subsidy": ("二次补助", "Secondary subsidy"),
    "report.histogram": ("二次补助金额分布", "Secondary subsidy: distribution"),
    "report.month": ("出院月份", "Month of discharge"),
    "report.item": ("项目", "Item"),
    "report.value": ("数值", "Value"),
    "report.records": ("记录数", "Records"),
    "report.claims_in_effect": ("有效结算人次", "Claims in effect"),
    "report.approved_in_effect": ("予以支付人次", "Approved claims in effect"),
    "report.reason": ("原因代码", "Reason"),
    "report.total_row": ("合计", "Total"),
    "report.none": ("无", "none"),
    "report.persons": ("参保人数（人·年）", "Persons (person-years)"),
    "report.cap_basic": ("基本医疗最高实际支付限额", "Basic fund's annual cap"),
    "report.cap_catastrophic": ("大病医疗互助最高实际支付限额", "Catastrophic fund's annual cap"),
    "report.reached_basic": ("达到基本医疗限额人数", "Reached the basic cap"),
    "report.reached_catastrophic": ("达到大病医疗互助限额人数", "Reached the catastrophic cap"),
    "report.reached_both": ("两项限额均达到人数", "Reached both caps"),
    "report.above_caps": ("限额以上个人负担", "Left personal above the caps"),
    "report.persons_above": ("有限额以上负担人数", "Persons with an amount above the caps"),
    "report.subsidy_persons": ("获二次补助人数", "Persons paid a subsidy"),
    "report.subsidy_paid": ("二次补助合计", "Subsidy paid in all"),
    "report.subsidy_cap": ("二次补助最高限额", "The subsidy's cap"),
    "report.at_subsidy_cap": ("达到二次补助限额人数", "Persons at the subsidy's cap"),
    "report.minimum": ("最低", "Lowest"),
    "report.p25": ("下四分位数", "25th percentile"),
    "report.median": ("中位数", "Median"),
    "report.p75": ("上四分位数", "75th percentile"),
    "report.p90": ("第90百分位数", "90th percentile"),
    "report.maximum": ("最高", "Highest"),
    "report.mean": ("平均", "Mean"),
    "report.bin": ("补助金额区间（元）", "Subsidy (yuan)"),
    "report.bin_persons": ("人数", "Persons"),
    "report.axis.yuan": ("金额（元）", "Amount (yuan)"),
    "report.axis.persons": ("人数（人）", "Persons"),
    "report.chart.funds_by_month": (
        "各月基金支付（元）",
        "Funds paid by month of discharge (yuan)",
    ),
    "report.chart.by_rule": ("按适用规定的支付（元）", "Paid by rule applied (yuan)"),
    "report.chart.rejections": ("不予支付的医疗费（元）", "Billed and not paid, by reason (yuan)"),
    "report.chart.subsidy": ("二次补助分布（人）", "Secondary subsidy: persons by amount"),
    "report.note.totals": (
        "各表合计等于所读记录之和（精确到分）；撤销与更正记录按其金额计入。",
        "Every table's total equals the sum of the records read, to the fen; reversals and "
        "corrections count with their own amounts.",
    ),
    "summary.new": ("本次新结算", "settled by this run"),
    "summary.this_run": ("本次新结算合计", "this run's new settlements"),
    "summary.year_to_date": (
        "账本本年累计（含本次）",
        "the ledger store's years to date (this run included)",
    ),
    "summary.ytd.persons": ("参保人", "persons"),
    "summary.ytd.records": ("结算记录", "records"),
    "report.note.quantiles": (
        "分位数取最近秩（某一参保人的实际金额）。",
        "Quantiles are nearest-rank: each is the amount of one person.",
    ),
}

_DIGITS = "零一二三四五六七八九"


def article_zh(number: int) -> str:
    """An article as the measures write it: 18 → 第十八条, 26 → 第二十六条, 10 → 第十条."""
    if not 0 < number < 100:
        raise ValueError(f"article {number} out of range")
    tens, units = divmod(number, 10)
    text = ""
    if tens:
        text = ("" if tens == 1 else _DIGITS[tens]) + "十"
    if units:
        text += _DIGITS[units]
    return f"第{text}条"


def label(key: str, lang: Lang = "zh") -> str:
    """The label of ``key`` in ``lang``; a key without a label is itself (never an error)."""
    pair = LABELS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def both(key: str) -> str:
    """Chinese with English beside it: ``医疗费总额 Total medical expenses``."""
    return f"{label(key, 'zh')} {label(key, 'en')}"


@lru_cache(maxsize=256)
def reason_zh(code: str, article: int | None, item: int | None) -> str:
    """A rejection reason in plain Chinese, with its article: what ``message_zh`` holds."""
    text = LABELS.get(f"reason.{code}.{item}") or LABELS.get(f"reason.{code}")
    words = text[0] if text is not None else code
    if article is None:
        return words
    cite = article_zh(article) + (f"第（{_item_zh(item)}）项" if item is not None else "")
    return f"{words}（{cite}）"


def _item_zh(item: int) -> str:
    return article_zh(item)[1:-1]
