"""A Flask app whose handler blocks in time.sleep, served three ways:

  python3 flask_app.py --port P                    Flask's dev server, threaded (a thread per request)
  python3 flask_app.py --port P --processes 100    threaded=False, a forked process per request, at most 100
  uwsgi ... --wsgi-file flask_app.py --callable app --threads 10

Werkzeug's dev server listens with a backlog of 128 (LISTEN_QUEUE), as
macOS's somaxconn capped it in the experiment.
"""

import argparse
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


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--processes", type=int, default=1,
                   help="> 1: threaded=False with this many forked processes at most")
    a = p.parse_args()
    # One line per request on stderr would cost more than the requests.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if a.processes > 1:
        app.run(host=a.host, port=a.port, threaded=False, processes=a.processes)
    else:
        app.run(host=a.host, port=a.port, threaded=True)


if __name__ == "__main__":
    main()
