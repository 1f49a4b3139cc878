"""FastAPI with an `async def` endpoint that awaits asyncio.sleep.

Every request waits on the event loop without holding a thread: the seed
experiment saw no limit. Run: python3 -m uvicorn --app-dir external/python
fastapi_async:app
"""

import asyncio

from fastapi import FastAPI

import fastapi_sleep

app = FastAPI()


@app.get("/")
async def root(id: str = "", sleep: str = ""):
    s = fastapi_sleep.seconds(sleep)
    await asyncio.sleep(s)
    return {"id": id, "server": "fastapi-async", "slept_s": s}
