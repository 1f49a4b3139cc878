"""FastAPI `def` endpoint with AnyIO's default thread limiter raised to 200.

The FastAPI article's "like Tomcat" setup: a startup hook replaces the run's
default CapacityLimiter (40 tokens) with one of 200, so 200 `def` requests
run at once. AnyIO keeps that limiter in a RunVar named
"_default_thread_limiter" on its asyncio backend only; under trio, AnyIO
wraps trio's own limiter instead and this hook changes nothing (hypercorn
--worker-class trio still runs 40). Run: python3 -m uvicorn --app-dir
external/python fastapi_def_200:app
"""

from anyio import CapacityLimiter
from anyio.lowlevel import RunVar

from fastapi_def import app

THREADS = 200


@app.on_event("startup")
async def raise_thread_limit():
    RunVar("_default_thread_limiter").set(CapacityLimiter(THREADS))
