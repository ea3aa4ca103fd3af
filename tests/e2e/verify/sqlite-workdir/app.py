# an app keeping its SQLite database in the working folder (python3-minimal has no sqlite3
# module: the file is written by hand, with SQLite's header)
import os

path = os.environ["DB_PATH"]  # required: without it the program fails, as many do
with open(path, "ab") as f:
    if f.tell() == 0:
        f.write(b"SQLite format 3\0")
    f.write(b"row\n")
print("wrote", path, "as uid", os.getuid())
