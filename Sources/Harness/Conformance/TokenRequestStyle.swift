import Foundation

/// How token requests are sent: a plain form, unless the provider only answers otherwise.
struct TokenRequestStyle: Sendable, Equatable {
    var jsonBody = false
    var acceptJSON = false
    var extra: [String: String] = [:]
    var userAgent = true

    static let plain = TokenRequestStyle()
}
