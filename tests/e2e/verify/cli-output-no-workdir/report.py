# a command-line tool that writes its output file by relative path, into its working folder
import os

with open("report.txt", "w") as f:
    f.write("42\n")
print("wrote", os.path.abspath("report.txt"), "as uid", os.getuid())
