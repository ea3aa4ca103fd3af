import os
os.makedirs("/var/cache/app/thumbs", exist_ok=True)
open("/var/cache/app/thumbs/x", "w").write("x")
