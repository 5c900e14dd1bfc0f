"""Run localstripe on 127.0.0.1, in memory, on a free port; prints the port on its first line.

Its own launcher binds every interface and pickles the store to /tmp after each request; here the app is
rebuilt without the saving middleware and the store's disk writes are turned off, so nothing leaves memory.
Run as a separate process so its asyncio loop (and its webhook deliveries) never share our threads.
"""

import socket
import sys

from aiohttp import web
from localstripe import resources, server


def build_app() -> web.Application:
    resources.Store.dump_to_disk = lambda self: None  # in memory only: no /tmp/localstripe.pickle
    app = web.Application(middlewares=[server.error_middleware, server.auth_middleware])
    app.on_response_prepare.append(server.add_cors_headers)
    for route in server.app.router.routes():
        app.router.add_route(route.method, route.resource.canonical, route.handler)
    return app


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # connections made before the loop starts wait in the backlog instead of being refused
    print(sock.getsockname()[1], flush=True)
    web.run_app(build_app(), sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
