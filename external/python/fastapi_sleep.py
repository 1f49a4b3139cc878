"""The sleep parameter of the FastAPI apps: gosleep's parsing, with a
malformed value answered 400 as labserver answers it."""

from fastapi import HTTPException

import gosleep


def seconds(sleep):
    """Seconds in the query's sleep; HTTPException 400 if malformed."""
    try:
        return gosleep.seconds(sleep)
    except ValueError as e:
        raise HTTPException(status_code=400, detail=str(e))
