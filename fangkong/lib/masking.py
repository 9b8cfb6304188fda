"""Masked forms of personal data, as shown everywhere by default."""


def mask_id(number: str) -> str:
    """110105194912310021 -> 110105********0021; short document numbers keep only their ends."""
    if not number:
        return ""
    if len(number) >= 15:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    keep = max(1, len(number) // 4)
    return number[:keep] + "*" * (len(number) - 2 * keep) + number[-keep:]


def mask_phone(number: str) -> str:
    """13812345678 -> 138****5678."""
    if not number:
        return ""
    if len(number) >= 11:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    return "*" * (len(number) - 2) + number[-2:]


def mask_name(name: str) -> str:
    """张三丰 -> 张**; for pages that anybody holding a link may open."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)
