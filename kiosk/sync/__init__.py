"""The outbox pusher and the records service of one HTTP contract (the sync issue builds them).
The only importer of requests."""
