"""Conversation analytics: is the assistant helping, and where does it fail?

The Rasa tracker store holds every event of every conversation; reading 100,000
conversations' events for each dashboard load would take seconds. So the events are
folded, incrementally (past a stored high-water mark), into aggregate tables in the
back-office database, and the dashboard reads only those:

- `tracker`    reads the tracker store (Rasa's `events` table), read-only;
- `tables`     the aggregate tables (conversations, per day × channel counters, breakdowns);
- `aggregate`  folds new events and handoff tickets into them;
- `queries`    what the dashboard asks of them (date range, channel);
- `gaps`       unanswered questions grouped by meaning (MiniLM embeddings, cached);
- `transcript` one conversation, redacted, for the drill-down;
- `feedback`   thumbs and ratings from the widget, recorded as tracker events;
- `history`    a realistic generated history (demo and tests).
"""
