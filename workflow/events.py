"""Signals other parts subscribe to, so the state machine need not know them.

application_changed(sender=Application, action=str, from_status=str, to_status=str, actor=User|None)
is sent after every transition has been flushed (same transaction).
"""
from blinker import Namespace

_signals = Namespace()

application_changed = _signals.signal("application-changed")
