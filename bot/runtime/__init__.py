"""What every platform adapter uses to serve people's requests: the durable requests
inbox (:mod:`.inbox`), the workers that claim and finish its rows (:mod:`.workers`),
the work processes they run in (:mod:`.processes`) and readiness (:mod:`.health`)."""
