"""What an id is, wherever one is read (a body, a filter, a path, a provider's event): a whole number
from 1 to 2^63 - 1 (a BIGINT), written with the ASCII digits 0-9 only."""

import re

ID_PATTERN = re.compile(r"[0-9]{1,19}")
MAX_ID = 2**63 - 1
