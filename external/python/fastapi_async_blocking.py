"""FastAPI with an `async def` endpoint that blocks in time.sleep.

The sleep holds the event loop itself, so one request runs and nothing else
happens meanwhile, not even accept(2): the seed experiment's "1 running,
blocks all". Run: python3 -m uvicorn --app-dir external/python
fastapi_async_blocking:app
"""

import time

from fastapi import FastAPI

import fastapi_sleep

app = FastAPI()


@app.get("/")
async def root(id: str = "", sleep: str = ""):
    s = fastapi_sleep.seconds(sleep)
    time.sleep(s)  # blocks the event loop: the point of this setup
    return {"id": id, "server": "fastapi-async-blocking", "slept_s": s}
