"""Values read from the address or a form that name a record."""

# Ids are 64-bit integers; 18 digits always fit, whatever the database.
ID_DIGITS = 18


def id_param(value) -> int | None:
    """The record id written in a parameter, or None for anything else: only ASCII digits, and
    only as many as an id can have (a longer number, “²” or “١٢” names nothing and must not reach
    the database, which would refuse it)."""
    text = "" if value is None else str(value).strip()
    if text.isascii() and text.isdigit() and len(text) <= ID_DIGITS:
        return int(text)
    return None
