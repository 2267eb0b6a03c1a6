/// Finds every occurrence of many byte strings in one pass over a text (Aho–Corasick): the
/// redactor's search once it knows more secrets than a search per secret can afford. Building
/// it costs the total length of the patterns; a search costs the length of the text, however
/// many patterns there are — a provider that sends thousands of secret-named values cannot make
/// each later report text cost thousands of searches.
struct SecretMatcher: Sendable {
    /// The trie's edges: `node << 8 | byte` → child.
    private let edges: [UInt64: Int32]
    /// The root's edges as a table (every search step starts there after a miss).
    private let rootEdges: [Int32]
    /// The failure link of each node: the longest proper suffix of its string that is a trie node.
    private let failure: [Int32]
    /// The length of the longest pattern that ends at each node (0: none).
    private let longest: [Int32]

    let patternCount: Int

    init(_ patterns: some Collection<[UInt8]>) {
        var edges: [UInt64: Int32] = [:]
        var terminal: [Int32] = [0]
        var firstChild: [Int32] = [-1]
        var nextSibling: [Int32] = [-1]
        var byte: [UInt8] = [0]
        var count = 0
        for pattern in patterns where !pattern.isEmpty {
            count += 1
            var node: Int32 = 0
            for value in pattern {
                let key = UInt64(node) << 8 | UInt64(value)
                if let child = edges[key] {
                    node = child
                    continue
                }
                let child = Int32(terminal.count)
                terminal.append(0)
                firstChild.append(-1)
                nextSibling.append(firstChild[Int(node)])
                byte.append(value)
                firstChild[Int(node)] = child
                edges[key] = child
                node = child
            }
            terminal[Int(node)] = Int32(pattern.count)
        }
        var rootEdges = [Int32](repeating: -1, count: 256)
        var failure = [Int32](repeating: 0, count: terminal.count)
        var longest = terminal
        // Breadth first, so that a node's failure link is final before its children need it.
        var queue: [Int32] = []
        queue.reserveCapacity(terminal.count)
        var child = firstChild[0]
        while child >= 0 {
            rootEdges[Int(byte[Int(child)])] = child
            queue.append(child)
            child = nextSibling[Int(child)]
        }
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            var child = firstChild[Int(node)]
            while child >= 0 {
                let value = byte[Int(child)]
                var candidate = failure[Int(node)]
                while true {
                    if let next = candidate == 0
                        ? (rootEdges[Int(value)] >= 0 ? rootEdges[Int(value)] : nil) : edges[UInt64(candidate) << 8 | UInt64(value)]
                    {
                        failure[Int(child)] = next
                        break
                    }
                    if candidate == 0 { break }
                    candidate = failure[Int(candidate)]
                }
                // A pattern ending here is the longest one (any other is a suffix of it).
                longest[Int(child)] = max(terminal[Int(child)], longest[Int(failure[Int(child)])])
                queue.append(child)
                child = nextSibling[Int(child)]
            }
        }
        self.edges = edges
        self.rootEdges = rootEdges
        self.failure = failure
        self.longest = longest
        self.patternCount = count
    }

    /// Calls `found` with the range of the longest pattern ending at each position where one ends
    /// (the shorter ones ending there lie inside it), left to right by end.
    func forEachMatch(in text: UnsafeBufferPointer<UInt8>, _ found: (Range<Int>) -> Void) {
        var state: Int32 = 0
        for index in 0..<text.count {
            let value = text[index]
            while true {
                if state == 0 {
                    let next = rootEdges[Int(value)]
                    if next >= 0 { state = next }
                    break
                }
                if let next = edges[UInt64(state) << 8 | UInt64(value)] {
                    state = next
                    break
                }
                state = failure[Int(state)]
            }
            let length = Int(longest[Int(state)])
            if length > 0 { found((index + 1 - length)..<(index + 1)) }
        }
    }
}
