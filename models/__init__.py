"""SQLAlchemy models, one module per aggregate. Importing this package registers every table."""
from . import changes
from .audit import AuditLog, record
from .base import db, utcnow
from .codes import DuesCode, EnrollmentCode, WithdrawalCode
from .counter import Counter
from .deduction import DeductionLine, DeductionList, PaidPeriod
from .distribution import DistributionBranch, DistributionLine, DistributionRun
from .dues import DuesRate
from .job import Job
from .lifecycle import FollowUp, MembershipChange, Transfer
from .membership import DuesCodePeriod, Employment, InsurancePeriod, Membership
from .organization import Branch, BranchRate, County, Employer, Section, Workplace
from .payment import (
    ListPayment,
    Payment,
    PaymentTransmission,
    list_payment,
    list_payments,
    paid_ore_for_list,
    payment_state,
)
from .person import Person, PersonNote
from .portal import AccessRequest, ListMessage, ListThread, PortalEntry
from .user import AccountRequest, LoginAttempt, RecoveryCode, User, UserScope, UserSession

__all__ = [
    "AccessRequest", "AccountRequest", "RecoveryCode", "AuditLog", "ListMessage", "ListThread", "PortalEntry", "Branch", "Counter", "DeductionLine", "DeductionList", "DistributionBranch", "DistributionLine", "DistributionRun", "Job", "ListPayment", "list_payment", "list_payments", "PaidPeriod", "Payment", "PaymentTransmission", "paid_ore_for_list", "payment_state", "changes", "DuesRate", "BranchRate", "County", "DuesCode", "DuesCodePeriod", "Employer",
    "Employment", "EnrollmentCode", "FollowUp", "InsurancePeriod", "LoginAttempt", "Membership", "MembershipChange", "Person",
    "PersonNote", "Section", "Transfer", "User", "UserScope", "UserSession", "WithdrawalCode", "Workplace",
    "db", "record", "utcnow",
]
