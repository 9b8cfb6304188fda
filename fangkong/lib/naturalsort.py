"""Natural order for door numbers and room labels: 3, 17, 564, 800, 800-1, 800A.

The key is stored beside the label so the database sorts by it; digit runs are zero-padded so
plain text order is numeric order.
"""

import re

DIGITS = re.compile(r"(\d+)")
WIDTH = 10


def natural_key(label: str) -> str:
    parts = DIGITS.split(str(label).strip().lower())
    out = []
    for index, part in enumerate(parts):
        if index % 2:  # a run of digits
            out.append(part.lstrip("0").rjust(WIDTH, "0")[-WIDTH:] if len(part) <= WIDTH else part)
        else:
            out.append(part)
    return "".join(out)[:100]
