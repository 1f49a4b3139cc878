"""A Flask app whose handler sleeps, served the ways the Flask article tried:

  python3 flask_app.py --port P                    Flask's dev server, threaded (a thread per request)
  python3 flask_app.py --port P --processes 1      threaded=False: one request at a time
  python3 flask_app.py --port P --processes 100    threaded=False, a forked process per request, at most 100
  python3 flask_app.py --port P --async            threaded, with an `async def` view (flask[async])
  uwsgi ... --wsgi-file flask_app.py --callable app --threads 10
  uwsgi ... --wsgi-file flask_app.py --callable async_app --threads 2

`app`'s view blocks in time.sleep. `async_app`'s view is `async def` and
awaits asyncio.sleep: Flask runs it through asgiref's async_to_sync, which
starts a new event loop in a new one-thread ThreadPoolExecutor for every
request, so each request holds two threads (the server's and the loop's).

Werkzeug's dev server listens with a backlog of 128 (LISTEN_QUEUE), as
macOS's somaxconn capped it in the experiment.
"""

import argparse
import asyncio
import logging
import os
import sys
import threading
import time

from flask import Flask, jsonify, request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gosleep  # noqa: E402

app = Flask(__name__)


@app.get("/")
def root():
    try:
        s = gosleep.seconds(request.args.get("sleep", ""))
    except ValueError as e:
        return jsonify(error=str(e)), 400
    time.sleep(s)
    return jsonify(id=request.args.get("id", ""), server="flask", pid=os.getpid(),
                   thread=threading.current_thread().name, slept_s=s)


async_app = Flask(__name__ + "_async")


@async_app.get("/")
async def async_root():
    try:
        s = gosleep.seconds(request.args.get("sleep", ""))
    except ValueError as e:
        return jsonify(error=str(e)), 400
    await asyncio.sleep(s)
    return jsonify(id=request.args.get("id", ""), server="flask-async", pid=os.getpid(),
                   thread=threading.current_thread().name, slept_s=s)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--processes", type=int, default=0,
                   help="threaded=False with this many processes at most (1: no fork); 0: threaded")
    p.add_argument("--async", dest="use_async", action="store_true", help="serve the async def view")
    a = p.parse_args()
    served = async_app if a.use_async else app
    # One line per request on stderr would cost more than the requests.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if a.processes > 0:
        served.run(host=a.host, port=a.port, threaded=False, processes=a.processes)
    else:
        served.run(host=a.host, port=a.port, threaded=True)


if __name__ == "__main__":
    main()
