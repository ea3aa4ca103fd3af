# a tiny HTTP server (python3-minimal has no http.server): answers every request with 200
import os
import socket

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(os.environ.get("PORT", "18431"))))
s.listen()
print("listening as uid", os.getuid(), flush=True)
while True:
    c, _ = s.accept()
    c.recv(1000)
    c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    c.close()
