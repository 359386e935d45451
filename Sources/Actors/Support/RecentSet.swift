/// A set that remembers only its `capacity` most recent insertions.
struct RecentSet: Sendable {
    private var members: Set<String> = []
    private var order = FIFO<String>()
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func contains(_ member: String) -> Bool { members.contains(member) }

    mutating func insert(_ member: String) {
        guard members.insert(member).inserted else { return }
        order.append(member)
        if members.count > capacity, let oldest = order.popFirst() { members.remove(oldest) }
    }
}
