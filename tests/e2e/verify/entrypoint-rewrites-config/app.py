import os

conf = dict(line.strip().split("=", 1) for line in open("conf/app.conf") if "=" in line)
print("connecting to", conf["host"], "as uid", os.getuid())
