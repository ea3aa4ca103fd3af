import os
import flask  # installed by the global pip, before the user switch

with open("templates/index.html") as f:
    assert "hello" in f.read()
print("flask", flask.__version__, "as uid", os.getuid())
