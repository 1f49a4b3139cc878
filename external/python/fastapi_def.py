"""FastAPI with a plain `def` endpoint that blocks in time.sleep.

FastAPI runs `def` endpoints in AnyIO's worker threads, at most 40 at once
(the default CapacityLimiter): the seed experiment's "40 running, the rest
waiting". Run: python3 -m uvicorn --app-dir external/python fastapi_def:app
"""

import threading
import time

from fastapi import FastAPI

import fastapi_sleep

app = FastAPI()


@app.get("/")
def root(id: str = "", sleep: str = ""):
    s = fastapi_sleep.seconds(sleep)
    time.sleep(s)
    return {"id": id, "server": "fastapi-def", "thread": threading.current_thread().name, "slept_s": s}
