# SPDX-License-Identifier: GPL-2.0
"""What a process may do with the svclb family in its network namespace,
as JSON: for each attempt, 0 when it succeeded or the errno it got.

  config     SVCLB_CMD_CONFIG_GET, whose answer holds the hash seed
  join       joining the "events" multicast group, whose CONFIG_SET events
             carry the hash seed
  malformed  a SERVICE_NEW with an unknown attribute, which the policy
             refuses (EINVAL) once the caller may ask
  malformed_dump  the same in a flow dump's filter"""

import json
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from genl import (A_SERVICE, CMD, NLM_F_DUMP, Genl, NetlinkError,  # noqa: E402
                  nest, svc_key, u32)

g = Genl()
bad = nest(A_SERVICE, *svc_key(), u32(30, 1))
out = {"config": g.try_request(CMD["CONFIG_GET"])[0],
       "malformed": g.try_request(CMD["SERVICE_NEW"], bad)[0]}
try:
    g.request(CMD["FLOW_GET"], bad, flags=NLM_F_DUMP)
    out["malformed_dump"] = 0
except NetlinkError as e:
    out["malformed_dump"] = e.errno
try:
    g.join("events")
    out["join"] = 0
except OSError as e:
    out["join"] = e.errno
print(json.dumps(out))
