-- wrk script: client_credentials token requests against a mock's /oauth2/token.
--   wrk -t2 -c50 -d10s -s Benchmarks/wrk/token.lua http://127.0.0.1:PORT/oauth2/token
-- Prints one line "WRK_JSON {...}" at the end. There is no response() callback
-- (it slows wrk down): non2xx is wrk's summary.errors.status, which counts
-- responses with a status above 399.

wrk.method = "POST"
wrk.body = "grant_type=client_credentials&scope=profile"
-- base64("harness-client:harness-secret")
wrk.headers["Authorization"] = "Basic aGFybmVzcy1jbGllbnQ6aGFybmVzcy1zZWNyZXQ="
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- With DPOP_PROOF set (Benchmarks/python/dpop_proof.py for this URL), every request carries that
-- DPoP proof (RFC 9449); compare.sh runs the mock in the dpop_proof_replay evil mode then, so
-- that the one proof is accepted each time after the full check.
local proof = os.getenv("DPOP_PROOF")
if proof ~= nil and proof ~= "" then wrk.headers["DPoP"] = proof end

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
