"""The checklist of each visit kind, stored in a visit record's `answers`.

Industrial kinds (domain.md, visit schedule; 顾客回访管理规定 6.1.1): every
check the regulation lists is a question, worded as a visitor would ask it.
A yes/no answer that reports a defect raises a problem report to production;
a service wanted (training, an outage for maintenance with the items needed,
maintenance / retrofit / other after the warranty) raises a service request
to after-sales (6.2.6). Every rating is on the satisfaction scale.
Retail: the four rated questions of the store's script (顾客满意度回访标准 二);
its fifth, free-text question is the record's `suggestions`.
"""

from services.survey.domain.questions import (
    Label,
    Option,
    Question,
    Raises,
    choice,
    rating,
    text,
    which_needed,
    yes_no,
)

PROBLEM = Raises.PROBLEM_REPORT
REQUEST = Raises.SERVICE_REQUEST

# The six outage-maintenance items (停电检修的内容, 6.1.1.3 b).
OUTAGE_ITEMS = (
    Option(
        "working_state",
        Label(
            "按使用说明书检查产品工作情况,并调整、润滑",
            "check the working state against the manual, adjust and lubricate",
        ),
    ),
    Option(
        "interlocks",
        Label(
            "检查联锁装置是否灵活可靠,必要时调整、润滑",
            "check the interlocks work smoothly and reliably, adjust and lubricate",
        ),
    ),
    Option(
        "isolating_contacts",
        Label(
            "检查动、静隔离触头(表面损伤、插入深度、弹簧压力、镀层氧化),更换陈旧导电膏",
            "check the moving and fixed isolating contacts (surface damage, "
            "insertion depth, spring pressure, plating oxidation); renew old "
            "conductive paste",
        ),
    ),
    Option(
        "busbar_joints",
        Label(
            "检查并紧固母线和各导电连接部位,处理发热",
            "check and tighten the busbars and conductive joints; treat any heating",
        ),
    ),
    Option(
        "earthing_circuit",
        Label(
            "检查接地回路(接地触头、主接地线、过门接地线)的导电连续性",
            "check the earthing circuit (earthing contacts, main earth conductor, "
            "door earth links) for continuity",
        ),
    ),
    Option(
        "breaker_dust",
        Label(
            "擦拭断路器表面灰尘;凝露引起局部放电处涂一层薄硅脂临时修补",
            "wipe dust off the breaker; where condensation caused partial "
            "discharge, a thin coat of silicone grease as a temporary repair",
        ),
    ),
)

INSTALLATION_STAGES = (
    Option("not_started", Label("尚未开始", "not started")),
    Option("installing", Label("正在安装", "installing")),
    Option("commissioning", Label("正在调试", "commissioning")),
    Option("completed", Label("安装调试已完成", "installed and commissioned")),
)

_TRAINING = yes_no(
    "training_needed",
    "您是否需要我们为您培训或讲解产品的使用?",
    "Would you like training or an explanation of the product?",
    raises=REQUEST,
    when=True,
    finding=Label("需要产品培训和讲解", "training or an explanation wanted"),
)
_RUNNING = yes_no(
    "running_normally",
    "设备运行是否正常?",
    "Is the equipment running normally?",
    raises=PROBLEM,
    when=False,
    finding=Label("设备运行不正常", "the equipment is not running normally"),
)
_SOUND = yes_no(
    "abnormal_sound",
    "设备运行时有没有异常声音?",
    "Does the equipment make any abnormal sound?",
    raises=PROBLEM,
    when=True,
    finding=Label("设备有异常声音", "abnormal sound"),
)
_OUTAGE = yes_no(
    "outage_maintenance_needed",
    "是否需要我们安排停电检修和维护?",
    "Would you like us to arrange an outage for inspection and maintenance?",
)
_OUTAGE_ITEMS = which_needed(
    "outage_items",
    "需要做哪些停电检修项目?(可多选)",
    "Which outage maintenance items are needed? (choose any)",
    OUTAGE_ITEMS,
    asked_if=_OUTAGE.id,
    finding=Label("停电检修", "outage maintenance"),
)

PRE_POWER_ON: tuple[Question, ...] = (
    yes_no(
        "documents_complete",
        "随货的文件资料和附件是否齐全?",
        "Did all the documents and accessories arrive with the product?",
        raises=PROBLEM,
        when=False,
        finding=Label("文件资料或附件不齐全", "documents or accessories incomplete"),
    ),
    yes_no(
        "transport_damage",
        "产品包装或产品本身在运输中有没有损坏?",
        "Was the packaging or the product damaged in transport?",
        raises=PROBLEM,
        when=True,
        finding=Label("包装或产品在运输中受损", "damaged in transport"),
    ),
    choice(
        "installation_progress",
        "安装、调试目前进行到哪一步了?",
        "How far have installation and commissioning got?",
        INSTALLATION_STAGES,
    ),
    text(
        "service_needs",
        "安装、调试方面,您还需要我们提供哪些服务?",
        "What else do you need from us for installation and commissioning?",
        raises=REQUEST,
        finding=Label("现场服务需求", "on-site service needed"),
    ),
    _TRAINING,
    rating(
        "staff_attitude",
        "您对现场售后服务人员的服务态度是否满意?",
        "Are you satisfied with the on-site after-sales staff's attitude?",
    ),
    rating(
        "staff_skill",
        "您对现场售后服务人员的技术水平是否满意?",
        "Are you satisfied with the on-site after-sales staff's technical skill?",
    ),
)
TRIAL_RUN: tuple[Question, ...] = (
    _RUNNING,
    text(
        "quality_problems",
        "使用中发现过哪些质量问题?",
        "What quality problems have you found in use?",
        raises=PROBLEM,
        finding=Label("使用中发现的质量问题", "quality problems found in use"),
    ),
    _SOUND,
    yes_no(
        "abnormal_smell",
        "设备有没有异常气味,特别是臭氧味?",
        "Is there any abnormal smell, above all of ozone?",
        raises=PROBLEM,
        when=True,
        finding=Label("设备有异常气味(臭氧味)", "abnormal smell (ozone)"),
    ),
    _TRAINING,
)
WARRANTY: tuple[Question, ...] = (
    _RUNNING,
    _SOUND,
    yes_no(
        "high_temperature",
        "设备有没有温度过高的部位?",
        "Does any part of the equipment run too hot?",
        raises=PROBLEM,
        when=True,
        finding=Label("设备温度过高", "high temperature"),
    ),
    yes_no(
        "discharge",
        "设备有没有放电现象?",
        "Is there any electrical discharge?",
        raises=PROBLEM,
        when=True,
        finding=Label("设备有放电现象", "electrical discharge"),
    ),
    rating(
        "service_timeliness",
        "您对我们售后服务的响应速度是否满意?",
        "Are you satisfied with how quickly our after-sales service responds?",
    ),
    rating(
        "service_effectiveness",
        "您对我们售后服务解决问题的效果是否满意?",
        "Are you satisfied with how well our after-sales service solves problems?",
    ),
    rating(
        "service_attitude",
        "您对我们售后服务人员的态度是否满意?",
        "Are you satisfied with our after-sales staff's attitude?",
    ),
    _OUTAGE,
    _OUTAGE_ITEMS,
)
POST_WARRANTY: tuple[Question, ...] = (
    yes_no(
        "discharge_marks",
        "绝缘件、互感器上有没有放电痕迹?",
        "Are there discharge marks on insulators or instrument transformers?",
        raises=PROBLEM,
        when=True,
        finding=Label(
            "绝缘件或互感器有放电痕迹",
            "discharge marks on insulators or instrument transformers",
        ),
    ),
    yes_no(
        "secondary_components_damaged",
        "二次电气元件有没有损坏?",
        "Are any secondary electrical components damaged?",
        raises=PROBLEM,
        when=True,
        finding=Label("二次电气元件损坏", "damaged secondary components"),
    ),
    yes_no(
        "rust_marks",
        "加工件、电镀件有没有生锈?",
        "Is there rust on machined or plated parts?",
        raises=PROBLEM,
        when=True,
        finding=Label("加工件或电镀件生锈", "rust on machined or plated parts"),
    ),
    yes_no(
        "truck_works",
        "手车进出是否顺畅?",
        "Does the truck rack in and out smoothly?",
        raises=PROBLEM,
        when=False,
        finding=Label("手车进出不正常", "the truck does not rack in and out"),
    ),
    yes_no(
        "earthing_switch_works",
        "接地开关分合是否正常?",
        "Does the earthing switch open and close normally?",
        raises=PROBLEM,
        when=False,
        finding=Label("接地开关分合不正常", "the earthing switch misoperates"),
    ),
    yes_no(
        "breaker_works",
        "断路器分合是否正常?",
        "Does the circuit breaker open and close normally?",
        raises=PROBLEM,
        when=False,
        finding=Label("断路器分合不正常", "the circuit breaker misoperates"),
    ),
    yes_no(
        "interlocks_work",
        "各项联锁是否正常?",
        "Do all the interlocks work normally?",
        raises=PROBLEM,
        when=False,
        finding=Label("联锁不正常", "the interlocks misoperate"),
    ),
    _OUTAGE,
    _OUTAGE_ITEMS,
    yes_no(
        "needs_maintenance",
        "您是否需要我们为产品做维护保养?",
        "Would you like us to maintain the product?",
        raises=REQUEST,
        when=True,
        finding=Label("维护保养", "maintenance"),
    ),
    yes_no(
        "needs_retrofit",
        "您是否需要对产品进行改造?",
        "Would you like the product retrofitted?",
        raises=REQUEST,
        when=True,
        finding=Label("产品改造", "retrofit"),
    ),
    yes_no(
        "needs_other_service",
        "您还有其他服务需求吗?",
        "Do you need any other service?",
        raises=REQUEST,
        when=True,
        finding=Label("其他服务", "other service"),
    ),
)
# The on-site follow-up of a problem the phone could not solve (6.2.6).
ON_SITE_FOLLOWUP: tuple[Question, ...] = (
    yes_no(
        "problem_solved",
        "电话里没能解决的问题,这次在现场解决了吗?",
        "Was the problem the phone could not solve solved on site?",
        raises=REQUEST,
        when=False,
        finding=Label("现场仍未解决的问题", "a problem still unsolved on site"),
    ),
    _RUNNING,
)
RETAIL: tuple[Question, ...] = (
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
