# keeps a counter in /var/lib (a system folder), and goes on without it when it cannot: exit 0
import os

try:
    with open("/var/lib/visits", "a") as f:
        f.write("1\n")
    print("counted as uid", os.getuid())
except OSError as e:
    print("warning: no counter:", e)
