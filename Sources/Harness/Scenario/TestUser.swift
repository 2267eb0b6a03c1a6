import Foundation
import HarnessFiles
import MockProviders
import OAuth1
import OAuth2
import OAuthCore

/// A test user's credentials for a provider's login form.
package struct TestUser: Sendable {
    package var username: String?
    package var password: String?

    package init(username: String?, password: String?) {
        self.username = username
        self.password = password
    }
}

extension TestUser {
    init(yaml node: YAMLNode, variables: ScenarioVariables) throws(YAMLLocatedError) {
        let map = try node.mapping("the test user")
        try map.allowOnly(["username", "password"], in: "user")
        self.init(
            username: try variables.optionalText(map["username"], "username"),
            password: try variables.optionalText(map["password"], "password")
        )
    }
}
