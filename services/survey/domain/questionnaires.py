"""One questionnaire per visit kind; look one up with `questionnaire_for`.

Industrial kinds ask their checklist (`checklists`) and then the questions
every record answers (domain.md, "A visit record"), the business opportunities
on site included. An on-site follow-up asks whether the problem the phone could
not solve is solved; a service visit (6.2.7, unplanned, by a department head)
asks the record questions alone. The retail kind follows the
store's phone script (顾客满意度回访标准 二) word for word, greeting included.
A re-visit asks the two satisfaction questions again about the resolved problem;
its suggestions and needs are recorded (and reported) but raise no complaint.
"""

from collections.abc import Mapping
from types import MappingProxyType

from schemas.types import ComplaintSubject, VisitKind
from services.survey.domain import checklists
from services.survey.domain.questions import (
    Label,
    Question,
    Questionnaire,
    rating,
    text,
)

_PRODUCT_QUALITY = rating(
    "product_quality",
    "总体来说,您对我们的产品质量是否满意?",
    "Overall, are you satisfied with the quality of our product?",
    subject=ComplaintSubject.PRODUCT_QUALITY,
)
_SERVICE_QUALITY = rating(
    "service_quality",
    "总体来说,您对我们的服务是否满意?",
    "Overall, are you satisfied with our service?",
)
_SUGGESTIONS = text(
    "suggestions",
    "您对我们的产品或服务有什么建议?",
    "Do you have any suggestions about our products or service?",
)
_NEEDS = text(
    "needs",
    "您对我们的产品或服务还有什么需求?",
    "Is there anything else you need from our products or service?",
)
_OPPORTUNITIES = text(
    "opportunities",
    "(现场回访)您近期有没有新的需求或合作意向?",
    "(On site) Do you have any new needs or plans we could help with?",
    on_site_only=True,
)
_RECORD = (_PRODUCT_QUALITY, _SERVICE_QUALITY, _SUGGESTIONS, _NEEDS, _OPPORTUNITIES)

_REVISIT = (
    rating(
        "product_quality",
        "问题处理后,您对产品质量是否满意?",
        "Now that the problem has been dealt with, "
        "are you satisfied with the product quality?",
        subject=ComplaintSubject.PRODUCT_QUALITY,
    ),
    rating(
        "service_quality",
        "问题处理后,您对我们的服务是否满意?",
        "Now that the problem has been dealt with, are you satisfied with our service?",
    ),
    _SUGGESTIONS,
    _NEEDS,
)

_GREETING = Label(
    "{customer}先生(女士)您好!我是{brand}的回访专员{visitor},工号:{staff_no}。"
    "非常感谢您选择我们品牌的产品;打扰您一下我们给您做一个满意度回访可以吗?",
    "Hello, Mr/Ms {customer}! I am {visitor}, customer follow-up specialist of "
    "{brand}, staff number {staff_no}. Thank you very much for choosing our "
    "products. May I take a moment of your time for a short satisfaction survey?",
)
_CLOSING = Label(
    "再一次感谢您的支持与配合!祝您生活愉快!再见!",
    "Thank you again for your support. Have a nice day! Goodbye!",
)


def _industrial(
    kind: VisitKind, zh: str, en: str, checks: tuple[Question, ...]
) -> Questionnaire:
    return Questionnaire(kind, Label(zh, en), checks, _RECORD)


_K = VisitKind
QUESTIONNAIRES: Mapping[VisitKind, Questionnaire] = MappingProxyType(
    {
        q.kind: q
        for q in (
            _industrial(
                _K.PRE_POWER_ON,
                "送电前回访",
                "Visit before power-on",
                checklists.PRE_POWER_ON,
            ),
            _industrial(
                _K.TRIAL_RUN,
                "试运行期内回访",
                "Visit during the trial run",
                checklists.TRIAL_RUN,
            ),
            _industrial(
                _K.WARRANTY_6M,
                "质保期内回访(半年)",
                "Warranty visit, 6 months",
                checklists.WARRANTY,
            ),
            _industrial(
                _K.WARRANTY_12M,
                "质保期内回访(一年)",
                "Warranty visit, 12 months",
                checklists.WARRANTY,
            ),
            _industrial(
                _K.POST_WARRANTY_1,
                "质保期外回访(第一次)",
                "Post-warranty visit, first",
                checklists.POST_WARRANTY,
            ),
            _industrial(
                _K.POST_WARRANTY_2,
                "质保期外回访(第二次)",
                "Post-warranty visit, second",
                checklists.POST_WARRANTY,
            ),
            Questionnaire(
                _K.RETAIL_FOLLOWUP,
                Label("顾客满意度回访", "Customer satisfaction follow-up"),
                checklists.RETAIL,
                (
                    text(
                        "suggestions",
                        "您对我们公司有没有其它意见和建议?",
                        "Do you have any other opinions or suggestions for us?",
                    ),
                ),
                greeting=_GREETING,
                closing=_CLOSING,
            ),
            _industrial(
                _K.ON_SITE_FOLLOWUP,
                "现场回访(电话未能解决的问题)",
                "On-site follow-up of a problem the phone could not solve",
                checklists.ON_SITE_FOLLOWUP,
            ),
            _industrial(
                _K.SERVICE_VISIT,
                "售后服务回访",
                "After-sales service visit",
                (),
            ),
            Questionnaire(
                _K.REVISIT,
                Label("问题处理后回访", "Re-visit after a complaint"),
                (),
                _REVISIT,
            ),
        )
    }
)


def questionnaire_for(kind: VisitKind) -> Questionnaire:
    """Return the questionnaire a visitor follows for a visit of `kind`."""
    return QUESTIONNAIRES[kind]
