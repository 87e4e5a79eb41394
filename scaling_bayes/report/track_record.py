"""The measured coverage a memo cites; defined in :mod:`scaling_bayes.core.track_record`.

A forecast carries its method's record (``Forecast.track_record``); the memo states it.
"""

from ..core.track_record import TRACK_RECORD, TrackRecord, study_kind, track_record

__all__ = ["TRACK_RECORD", "TrackRecord", "study_kind", "track_record"]
