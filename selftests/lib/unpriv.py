# SPDX-License-Identifier: GPL-2.0
"""What a process may do with the svclb family in its network namespace,
as JSON: for each attempt, 0 when it succeeded or the errno it got.

  config   SVCLB_CMD_CONFIG_GET, whose answer holds the hash seed
  join     joining the "events" multicast group, whose CONFIG_SET events
           carry the hash seed"""

import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from genl import CMD, Genl  # noqa: E402

g = Genl()
out = {"config": g.try_request(CMD["CONFIG_GET"])[0]}
try:
    g.join("events")
    out["join"] = 0
except OSError as e:
    out["join"] = e.errno
print(json.dumps(out))
