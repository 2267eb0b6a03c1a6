import Testing

@testable import MockProviders

@Suite struct BoundedStoreTests {
    @Test func forgetsTheOldestPastCapacity() {
        var store = BoundedStore<Int>(capacity: 3)
        for (index, key) in ["a", "b", "c", "d"].enumerated() { store[key] = index }
        #expect(store.count == 3)
        #expect(store["a"] == nil)
        #expect(store["b"] == 1 && store["c"] == 2 && store["d"] == 3)
        store["b"] = 10  // an update keeps b's place: b is still the oldest
        store["e"] = 4
        #expect(store["b"] == nil)
        #expect(store["c"] == 2 && store["d"] == 3 && store["e"] == 4)
    }

    @Test func staysBoundedUnderManyInsertions() {
        var store = BoundedStore<Int>(capacity: 10)
        for index in 0..<20_000 { store["k\(index)"] = index }
        #expect(store.count == 10)
        let newest = (19_990..<20_000).map { index in store["k\(index)"] }
        #expect(newest == (19_990..<20_000).map { Optional($0) })
        #expect(store["k19989"] == nil)
    }
}
