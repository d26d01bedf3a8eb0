"""A list's (or invoice's) payment state from what was due and what was paid, in øre (pure)."""

UNPAID, PARTLY_PAID, PAID, OVERPAID = "unpaid", "partly_paid", "paid", "overpaid"


def N_(text: str) -> str:
    """Marks a text for translation (babel.cfg); the template translates it."""
    return text


PAYMENT_STATES = {UNPAID: N_("Ikke betalt"), PARTLY_PAID: N_("Delvis betalt"), PAID: N_("Betalt"), OVERPAID: N_("Overbetalt")}


def payment_state_terms(amount_due_ore, paid_ore):
    """The states but "partly_paid" with their conditions, in the order they are tried: the first that
    holds decides, else "partly_paid". Built of plain comparisons, so it serves integers
    (`payment_state`) and SQL expressions alike (models.payment.payment_state_sql)."""
    return ((paid_ore == amount_due_ore, PAID), (paid_ore > amount_due_ore, OVERPAID), (paid_ore <= 0, UNPAID))


def payment_state(amount_due_ore: int, paid_ore: int) -> str:
    """"unpaid" when nothing (or less than nothing, after reversals) was paid, "partly_paid" when some,
    "paid" when exactly what was due, "overpaid" when more. Nothing due and nothing paid is "paid"."""
    return next((state for holds, state in payment_state_terms(amount_due_ore, paid_ore) if holds), PARTLY_PAID)
