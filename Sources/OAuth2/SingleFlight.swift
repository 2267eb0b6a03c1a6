import OAuthCore

/// Runs one operation at a time; callers arriving while it runs wait for its result instead
/// of starting another. `fresh` is asked first, so a caller that arrives just after a renewal
/// finished uses its result.
actor SingleFlight {
    private var inflight: Task<OAuth2Token, any Error>?

    func run(
        fresh: @Sendable () -> OAuth2Token?,
        operation: @escaping @Sendable () async throws(OAuthError) -> OAuth2Token
    ) async throws -> OAuth2Token {
        if let inflight { return try await inflight.value }
        if let token = fresh() { return token }
        let task = Task { () async throws -> OAuth2Token in try await operation() }
        inflight = task
        defer { inflight = nil }
        return try await task.value
    }
}
