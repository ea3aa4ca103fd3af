# a Flask-style app: its database in the working folder, another in instance/, uploads below it
import os

with open("data.db", "a") as f:  # the working folder (/app, root-owned after COPY . .)
    f.write("row\n")
with open("instance/users.db", "a") as f:  # instance/ comes from the build context
    f.write("user\n")
os.makedirs("instance/uploads/avatars", exist_ok=True)
print("ok as uid", os.getuid())
