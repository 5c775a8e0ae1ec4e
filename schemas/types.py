"""Vocabulary shared by every event: the words of domain.md as enumerations.

Plain standard-library enums, so that pure domain code can use them without
depending on pydantic.
"""

from enum import StrEnum


class Rating(StrEnum):
    """A customer's answer to a rated question (满意 / 一般 / 不满意)."""

    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"


class Channel(StrEnum):
    """How a visit is made: by phone (电话回访) or on site (现场回访)."""

    PHONE = "phone"
    ON_SITE = "on_site"


class VisitKind(StrEnum):
    """The kinds of visit that the regulation plans (domain.md, schedule)."""

    PRE_POWER_ON = "pre_power_on"
    TRIAL_RUN = "trial_run"
    WARRANTY_6M = "warranty_6m"
    WARRANTY_12M = "warranty_12m"
    POST_WARRANTY_1 = "post_warranty_1"
    POST_WARRANTY_2 = "post_warranty_2"
    RETAIL_FOLLOWUP = "retail_followup"
    REVISIT = "revisit"
    # planned 7 days after a record whose problem the phone could not solve
    ON_SITE_FOLLOWUP = "on_site_followup"
    # unplanned: a department head's visit during after-sales service (6.2.7)
    SERVICE_VISIT = "service_visit"


class VisitStatus(StrEnum):
    """A visit's state for a given `as_of` date."""

    PLANNED = "planned"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    ESCALATED = "escalated"
    CANCELLED = "cancelled"
    # a record of the unit made after its due date closed it unvisited (missed)
    SUPERSEDED = "superseded"


class AttemptFailure(StrEnum):
    """Why a visit attempt failed (回访不成功)."""

    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    REFUSED = "refused"
    CONTACT_LEFT = "contact_left"
    OTHER = "other"


class EscalationTarget(StrEnum):
    """Who takes a visit over after three failed attempts."""

    ON_SITE = "on_site"
    STORE_MANAGER = "store_manager"


class ComplaintSubject(StrEnum):
    """What a complaint is about; decides the department it goes to."""

    PRODUCT_QUALITY = "product_quality"
    SERVICE_QUALITY = "service_quality"
    SUGGESTION = "suggestion"


class FeedbackForm(StrEnum):
    """The kinds of information feedback form (信息反馈单) a record can raise
    (domain.md, "A visit record"): each routed, tracked and counted on its own."""

    COMPLAINT = "complaint"  # a dissatisfied rating
    SERVICE_REQUEST = "service_request"  # training, outage maintenance, retrofit...
    PROBLEM_REPORT = "problem_report"  # a defect reported in a checklist answer
    SUGGESTION = "suggestion"  # suggestions and needs, to quality


class Department(StrEnum):
    """Departments that handle complaints and own corrective actions."""

    PRODUCTION = "production"
    TECHNICAL = "technical"
    AFTER_SALES = "after_sales"
    QUALITY = "quality"
    SERVICE_CENTRE = "service_centre"
    PRODUCING_COMPANY = "producing_company"


class ReportPart(StrEnum):
    """The parts of the monthly report, each reviewed (评审) by its owner (6.3)."""

    PRODUCT_QUALITY = "product_quality"  # by each producing company
    SERVICE_QUALITY = "service_quality"  # by the quality department
    SUGGESTIONS = "suggestions"  # by the quality department


class SlaBreach(StrEnum):
    """Which service-level agreement a complaint ticket broke."""

    ASSIGNMENT = "assignment"
    RESOLUTION = "resolution"


class DeliveryMode(StrEnum):
    """How a retail order reached the customer."""

    DELIVERY = "delivery"
    PICKUP = "pickup"


class PostWarrantyService(StrEnum):
    """What a customer past the warranty says it needs."""

    MAINTENANCE = "maintenance"
    RETROFIT = "retrofit"
    OTHER = "other"


class Strength(StrEnum):
    """Customer tag: strength (first part of the source)."""

    INDUSTRY_LEADER = "industry_leader"
    FAST_GROWING = "fast_growing"
    LOCAL_SELF_SUFFICIENT = "local_self_sufficient"


class DecisionMaker(StrEnum):
    """Customer tag: the decision-maker's manner."""

    EXPERT = "expert"
    NIT_PICKING = "nit_picking"
    STRAIGHTFORWARD = "straightforward"
    CALM = "calm"


class Interest(StrEnum):
    """Customer tag: what the customer is after."""

    SHORT_TERM_PROFIT = "short_term_profit"
    BIG_BRAND_SEEKER = "big_brand_seeker"
    MANY_SIDED = "many_sided"
    LONG_TERM = "long_term"


class Cooperation(StrEnum):
    """Customer tag: how the customer cooperates over time."""

    ONE_OFF = "one_off"
    WELL_MATCHED = "well_matched"
    LOYAL = "loyal"
    FICKLE = "fickle"
