"""Letters as pure values: what each letter says, checked as it is built. The validation
notice and the dispute answers live with the rules that require them
(``core.compliance.validation``); the letters about money are here."""

from arrears.core.letters.money import (
    DEBT_COLLECTOR_KINDS,
    PRE_DEBIT_MAX_BUSINESS_DAYS,
    PRE_DEBIT_MIN_BUSINESS_DAYS,
    Applied,
    Instalment,
    LetterHead,
    MoneyLetterError,
    PaymentConfirmation,
    PlanConfirmation,
    PreDebitNotice,
    ReturnedPaymentNotice,
    SettlementConfirmation,
    check_pre_debit_send_date,
    in_pre_debit_window,
    instalments_from,
    last_business_day_before,
    plan_confirmation,
    pre_debit_debit_window,
    pre_debit_send_window,
    settlement_confirmation,
)

__all__ = [
    "DEBT_COLLECTOR_KINDS",
    "PRE_DEBIT_MAX_BUSINESS_DAYS",
    "PRE_DEBIT_MIN_BUSINESS_DAYS",
    "Applied",
    "Instalment",
    "LetterHead",
    "MoneyLetterError",
    "PaymentConfirmation",
    "PlanConfirmation",
    "PreDebitNotice",
    "ReturnedPaymentNotice",
    "SettlementConfirmation",
    "check_pre_debit_send_date",
    "in_pre_debit_window",
    "instalments_from",
    "last_business_day_before",
    "plan_confirmation",
    "pre_debit_debit_window",
    "pre_debit_send_window",
    "settlement_confirmation",
]
