"""The checklist of each visit kind, stored in a visit record's `answers`.

Industrial kinds (domain.md, visit schedule): the Chinese wording is the
source's (顾客回访管理规定 6.1.1), each check it lists turned into a question.
Retail: the four rated questions of the store's script (顾客满意度回访标准 二);
its fifth, free-text question is the record's `suggestions`.
"""

from services.survey.domain.questions import rating, yes_no

_TRAINING = yes_no(
    "training_needed",
    "针对产品是否需要对您进行培训和讲解?",
    "Do you need training or an explanation of the product?",
)
_SOUND = yes_no(
    "abnormal_sound", "电力设备是否存在声音异常?", "Does the equipment sound abnormal?"
)

PRE_POWER_ON = (
    yes_no(
        "documents_complete",
        "文件资料、附件材料是否齐全?",
        "Are the documents and accessories complete?",
    ),
    yes_no(
        "transport_damage",
        "产品外包装和运输过程是否损伤?",
        "Was anything damaged in the packaging or in transport?",
    ),
    _TRAINING,
    rating(
        "staff_attitude",
        "您对现场售后服务人员的态度是否满意?",
        "Are you satisfied with the on-site after-sales staff's attitude?",
    ),
    rating(
        "staff_skill",
        "现场售后服务人员的技术技能能否满足要求?",
        "Does the on-site after-sales staff's technical skill meet your needs?",
    ),
)
TRIAL_RUN = (
    _SOUND,
    yes_no(
        "abnormal_smell",
        "电力设备是否存在异常气味,尤其是臭氧味?",
        "Is there an abnormal smell, above all of ozone?",
    ),
    _TRAINING,
)
WARRANTY = (
    yes_no(
        "running_normally", "产品运行状况是否正常?", "Is the product running normally?"
    ),
    _SOUND,
    yes_no("high_temperature", "是否存在温度过高?", "Does any part run too hot?"),
    yes_no("discharge", "是否存在放电现象?", "Is there any electrical discharge?"),
    rating(
        "service_timeliness",
        "您对售后服务的及时性是否满意?",
        "Are you satisfied with how timely our after-sales service is?",
    ),
    rating(
        "service_effectiveness",
        "您对售后服务的有效性是否满意?",
        "Are you satisfied with how effective our after-sales service is?",
    ),
    rating(
        "service_attitude",
        "您对售后服务的服务态度是否满意?",
        "Are you satisfied with our after-sales staff's attitude?",
    ),
    yes_no(
        "outage_maintenance_needed",
        "是否需要停电检修和维护?",
        "Do you need an outage for inspection and maintenance?",
    ),
)
POST_WARRANTY = (
    yes_no(
        "discharge_marks",
        "绝缘件、互感器有无放电痕迹?",
        "Are there discharge marks on insulators or instrument transformers?",
    ),
    yes_no(
        "secondary_components_damaged",
        "二次电气元件有无损坏?",
        "Are any secondary electrical components damaged?",
    ),
    yes_no(
        "rust_marks",
        "各种加工件、电镀件有无生锈的痕迹?",
        "Is there rust on machined or plated parts?",
    ),
    yes_no(
        "truck_works", "手车进出是否正常?", "Does the truck rack in and out normally?"
    ),
    yes_no(
        "earthing_switch_works",
        "接地刀分合是否正常?",
        "Does the earthing switch open and close normally?",
    ),
    yes_no(
        "breaker_works",
        "断路器分合是否正常?",
        "Does the circuit breaker open and close normally?",
    ),
    yes_no(
        "interlocks_work", "各种联锁是否正常?", "Do all the interlocks work normally?"
    ),
    yes_no("needs_maintenance", "是否需要产品的维护?", "Do you need maintenance?"),
    yes_no("needs_retrofit", "是否需要产品的改造?", "Do you need a retrofit?"),
    yes_no("needs_other_service", "是否有其他需求?", "Do you need any other service?"),
)
RETAIL = (
    rating(
        "shopping_environment",
        "您对我们整体的购物环境是否满意?",
        "Are you satisfied with our shopping environment overall?",
    ),
    rating(
        "sales_consultant_attitude",
        "您对我们销售顾问的服务态度是否满意?",
        "Are you satisfied with our sales consultant's attitude?",
    ),
    rating(
        "designer_attitude",
        "您对我们设计师的服务态度是否满意?",
        "Are you satisfied with our designer's attitude?",
    ),
    rating(
        "delivery_staff_attitude",
        "您对我们送货安装师傅的服务态度是否满意?",
        "Are you satisfied with our delivery and installation staff's attitude?",
    ),
)
