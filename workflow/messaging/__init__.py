"""Messages to beneficiaries and volunteers through a transactional outbox.

outbox.py    writes messages (in the caller's transaction) and the staff actions on them
events.py    which state change writes which message
templates.py wording per event and language, variables, SMS segments
worker.py    sends what is due (claim, retry with backoff, quiet hours, rate)
channels.py  the adapters' interface; one module per adapter: sms_unifonic, sms_taqnyat,
             sms_webhook, whatsapp, email, record
receipts.py  delivery receipts from providers (signed callbacks)
"""
