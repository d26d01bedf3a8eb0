"""A list's (or invoice's) payment state from what was due and what was paid, in øre (pure)."""

UNPAID, PARTLY_PAID, PAID, OVERPAID = "unpaid", "partly_paid", "paid", "overpaid"


def N_(text: str) -> str:
    """Marks a text for translation (babel.cfg); the template translates it."""
    return text


PAYMENT_STATES = {UNPAID: N_("Ikke betalt"), PARTLY_PAID: N_("Delvis betalt"), PAID: N_("Betalt"), OVERPAID: N_("Overbetalt")}


def payment_state(amount_due_ore: int, paid_ore: int) -> str:
    """"unpaid" when nothing (or less than nothing, after reversals) was paid, "partly_paid" when some,
    "paid" when exactly what was due, "overpaid" when more. Nothing due and nothing paid is "paid"."""
    if paid_ore == amount_due_ore:
        return PAID
    if paid_ore > amount_due_ore:
        return OVERPAID
    if paid_ore <= 0:
        return UNPAID
    return PARTLY_PAID
