import Foundation
import OAuthTesting
import Testing

@testable import OAuthCore

@Suite struct TransportRobustnessTests {
    @Test func idempotentRetriesAreBounded() async throws {
        let failing = StaticTransport(status: 503, headers: ["Retry-After": "0"])
        let response = try await failing.sendRetryingIdempotent(TransportRequest(method: "GET", url: "http://x/jwks"), step: "jwks", attempts: 3)
        #expect(response.status == 503)
        #expect(failing.count == 3)
        let fine = StaticTransport(status: 200, headers: ["Retry-After": "0"])
        _ = try await fine.sendRetryingIdempotent(TransportRequest(method: "GET", url: "http://x/jwks"), step: "jwks")
        #expect(fine.count == 1)
        let notFound = StaticTransport(status: 404, headers: ["Retry-After": "0"])
        _ = try await notFound.sendRetryingIdempotent(TransportRequest(method: "GET", url: "http://x/jwks"), step: "jwks")
        #expect(notFound.count == 1, "only 5xx and 429 are retried")
    }

    @Test func deadlinesEndSlowOperations() async {
        let started = ContinuousClock.now
        await #expect(throws: AsyncHTTPClientTransport.TimeoutError.self) {
            try await AsyncHTTPClientTransport.within(.milliseconds(100)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
        // Far below the 30 s the operation would take, far above 100 ms: a loaded CI machine
        // (every suite runs in parallel on 2 cores) once needed 7 s to schedule the cancellation.
        #expect(ContinuousClock.now - started < .seconds(20))
    }
}

@Suite struct RetryAfterTests {
    /// Retry-After values from a hostile or broken provider never trap and never wait long.
    @Test func retryAfterIsBoundedAndNeverTraps() {
        let delay = { (value: String?) in StaticTransport.retryDelayMilliseconds(value, attempt: 1) }
        #expect(delay("nan") == 100)
        #expect(delay("-1e300") == 100)
        #expect(delay("1e300") == 2000)
        #expect(delay("inf") == 100)
        #expect(delay("0.5") == 500)
        #expect(delay("Wed, 21 Oct 2015 07:28:00 GMT") == 100)
        #expect(delay(nil) == 100)
    }
}
