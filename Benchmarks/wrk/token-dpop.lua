-- wrk script: client_credentials token requests with a DPoP proof (RFC 9449) against a mock's
-- /oauth2/token. The proof comes from the environment (DPOP_PROOF, made by
-- Benchmarks/python/dpop_proof.py for this URL); the mock runs with the dpop_proof_replay evil
-- mode so that the one proof is accepted each time, after the full check (signature, htm/htu,
-- iat, the jti store read and written). Prints one "WRK_JSON {...}" line as token.lua does.
local proof = os.getenv("DPOP_PROOF")
assert(proof ~= nil and proof ~= "", "DPOP_PROOF is not set")

wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=profile"
-- base64("harness-client:harness-secret")
wrk.headers["Authorization"] = "Basic aGFybmVzcy1jbGllbnQ6aGFybmVzcy1zZWNyZXQ="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["DPoP"] = proof

function done(summary, latency, requests)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      'WRK_JSON {"requests":%d,"duration_s":%.3f,"rps":%.1f,"p50_ms":%.3f,"p90_ms":%.3f,'
         .. '"p99_ms":%.3f,"max_ms":%.3f,"errors":%d,"non2xx":%d}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      e.connect + e.read + e.write + e.timeout, e.status))
end
