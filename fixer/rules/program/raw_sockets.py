"""needs-raw-sockets: the program captures or crafts packets, which a new user cannot.

Packet capture (libpcap, tcpdump, tshark, ntop's nprobe and n2disk, PF_RING), port scanners that
send their own packets (nmap, masscan, zmap, hping3, arp-scan) and network monitors (Suricata,
Snort, Zeek) open raw or packet sockets. The kernel lets a process do that with the
`CAP_NET_RAW` capability: Docker grants it to the container, but only root holds it; a
process of another user has no effective capabilities unless the binary carries them itself
(`setcap cap_net_raw+ep /usr/bin/tool`). So when the final stage installs such a package and
the file gives no binary the capability, a USER breaks the image's very purpose; it is left
alone, naming the line. A file that runs `setcap cap_net_raw...` was prepared for a non-root user
and is fixed as usual.
"""

from __future__ import annotations

import re

from ... import lazyre

NAME = "needs-raw-sockets"
SUMMARY = "The image installs a packet-capture or packet-crafting tool (libpcap, tcpdump, nmap, masscan, ...): raw sockets need CAP_NET_RAW, which only root has."
EXAMPLE = "FROM alpine:3.20\nRUN apk add --no-cache nmap libpcap\nCOPY scanner /usr/bin/scanner\nENTRYPOINT [\"scanner\"]"

# a package manager's command and what follows it on its (continued) line
INSTALL_RE = lazyre.compile(r"\b(?:apt-get|apt|apk|dnf|yum|microdnf|zypper)\b((?:[^\n]|\\\n)*)")
PACKAGE_RE = lazyre.compile(
    r"(?<![\w.-])(libpcap[\w.-]*|tcpdump|tshark|wireshark[\w-]*|nmap|masscan|zmap|hping3|arp-scan|nprobe|ntopng|n2disk"
    r"|pfring[\w-]*|suricata|snort|zeek)(?![\w.-])")
SETCAP_RE = lazyre.compile(r"\bsetcap\b[^\n]*cap_net_raw", re.I)


def check(ctx) -> str | None:
    an = ctx.an
    found = None
    for stage in an.chain:
        for inst in stage.instructions:
            if inst.cmd != "run":
                continue
            if SETCAP_RE.search(inst.original):
                return None  # a binary given the capability: prepared for a non-root user
            for cmd in INSTALL_RE.finditer(inst.original) if found is None else ():
                for m in PACKAGE_RE.finditer(cmd.group(1)):
                    name = m.group(1)
                    if not name.endswith(("-dev", "-devel")):  # (headers to build with are not the tool it runs)
                        found = (inst.start_line, name)
                        break
                if found:
                    break
    if found is None:
        return None
    line, name = found
    return (f"line {line}: installs {name}, which captures or crafts packets: raw sockets need CAP_NET_RAW, which in "
            f"a container only root holds (a new user's process has no capabilities unless the binary is given them "
            f"with `setcap cap_net_raw+ep`)")
