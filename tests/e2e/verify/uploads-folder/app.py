import os

os.makedirs("uploads/avatars", exist_ok=True)
with open("uploads/avatars/1.png", "wb") as f:
    f.write(b"\x89PNG\r\n")
print("stored an upload as uid", os.getuid())
