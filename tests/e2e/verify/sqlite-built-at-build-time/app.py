# appends a row to the SQLite file the build made (python3-minimal has no sqlite3 module: by hand)
import os

with open("app.db", "ab") as f:
    f.write(b"row\n")
print("appended to app.db as uid", os.getuid())
