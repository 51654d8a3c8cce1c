"""Serving the web app from a thread, for `consultant up` and for tests that drive a real browser."""

from __future__ import annotations

import threading
import time

import uvicorn

from consultant.app import App


class WebServer:
    def __init__(self, app: App, host: str, port: int) -> None:
        from consultant.web import create_app

        config = uvicorn.Config(create_app(app), host=host, port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        # uvicorn installs signal handlers only on the main thread, so the host process keeps its own.
        self.thread = threading.Thread(target=self.server.run, name="web", daemon=True)
        self.host, self.port = host, port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the web app did not start on {self.host}:{self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
