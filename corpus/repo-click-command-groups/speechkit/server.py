import socketserver


class Server:
    def __init__(self, port):
        self.inner = socketserver.TCPServer(("", port), socketserver.BaseRequestHandler)

    def run_forever(self):
        self.inner.serve_forever()

    def close(self):
        self.inner.server_close()
