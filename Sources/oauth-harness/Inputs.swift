import ArgumentParser
import Foundation
import Harness
import MockProviders
import OAuthCore

/// The scenario paths and profile folder that `run`, `validate` and `list` read.
struct Inputs: ParsableArguments {
    @Argument(help: "Scenario files or folders (searched recursively for .yaml/.yml).")
    var paths: [String] = ["Scenarios"]

    @Option(help: "Folder of provider profiles; they add to the built-in ones and replace one of the same name.")
    var profiles = "MockProviders"
}
