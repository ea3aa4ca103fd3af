# keeps its state under /var/lib/counter, a root-owned system folder it creates itself at run
# time: nothing in the Dockerfile tells dockerfix about it, so the fixed image cannot write there
import os

os.makedirs("/var/lib/counter", exist_ok=True)
with open("/var/lib/counter/n", "a") as f:
    f.write("1\n")
print("counted")
