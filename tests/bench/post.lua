-- wrk script: POSTs the JSON body in BENCH_BODY (the citizen password login of make bench).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
