import Glibc

/// A forward-only reader over the bytes of one JSON document, for decoders that pick a few
/// fields out of large objects: values that are not wanted are skipped (checked for structure,
/// not built), strings without escapes become a `String` in one copy.
///
/// Only valid while the buffer it reads is; used inside `withUnsafeReadableBytes`.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    private(set) var index: Int

    init(_ bytes: UnsafeRawBufferPointer, at index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    /// What a decoder found wrong, with the byte offset.
    struct Failure: Error, CustomStringConvertible {
        var message: String
        var offset: Int
        var description: String { "invalid Pod watch JSON at byte \(offset): \(message)" }
    }

    func failure(_ message: String) -> Failure { Failure(message: message, offset: index) }

    // MARK: Structure

    /// The next non-whitespace byte, without consuming it; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    @inline(__always)
    mutating func skipWhitespace() {
        let count = bytes.count
        var i = index
        while i < count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default:
                index = i
                return
            }
        }
        index = i
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8) throws(Failure) {
        guard peek() == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
        index += 1
    }

    /// Consumes `null` if it comes next.
    mutating func consumeNull() throws(Failure) -> Bool {
        guard peek() == UInt8(ascii: "n") else { return false }
        try literal("null")
        return true
    }

    /// Iterates the members of an object: `body` is called with each key and must consume its value.
    mutating func members(_ body: (inout JSONScanner, JSONKey) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "{"))
        if peek() == UInt8(ascii: "}") {
            index += 1
            return
        }
        while true {
            guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let key = try rawString()
            try expect(UInt8(ascii: ":"))
            try body(&self, key)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return
            default: throw failure("expected ',' or '}' in an object")
            }
        }
    }

    /// Iterates the elements of an array: `body` must consume each element.
    mutating func elements(_ body: (inout JSONScanner) throws(Failure) -> Void) throws(Failure) {
        try expect(UInt8(ascii: "["))
        if peek() == UInt8(ascii: "]") {
            index += 1
            return
        }
        while true {
            try body(&self)
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return
            default: throw failure("expected ',' or ']' in an array")
            }
        }
    }

    // MARK: Values

    mutating func string() throws(Failure) -> String {
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string") }
        return try rawString().string(&self)
    }

    /// `null` → nil, a string → it, anything else is an error (as `decodeIfPresent(String.self)`).
    mutating func optionalString() throws(Failure) -> String? {
        if try consumeNull() { return nil }
        return try string()
    }

    mutating func optionalBool() throws(Failure) -> Bool? {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        case UInt8(ascii: "n"):
            try literal("null")
            return nil
        default: throw failure("expected a boolean")
        }
    }

    /// A JSON integer that fits in `Int`; `null` → nil. A fraction, an exponent or an overflow
    /// is an error, as `decodeIfPresent(Int.self)` makes it.
    mutating func optionalInt() throws(Failure) -> Int? {
        if try consumeNull() { return nil }
        _ = peek()
        let start = index
        try number()
        var value = 0
        var negative = false
        for offset in start..<index {
            let byte = bytes[offset]
            if offset == start, byte == UInt8(ascii: "-") {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw failure("expected an integer") }
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw failure("integer out of range") }
            value = sum
        }
        guard index > start + (negative ? 1 : 0) else { throw failure("expected an integer") }
        return negative ? -value : value
    }

    /// `{"k":"v",…}`; `null` → nil.
    mutating func optionalStringMap() throws(Failure) -> [String: String]? {
        if try consumeNull() { return nil }
        var map: [String: String] = [:]
        try members { (scanner: inout JSONScanner, key: JSONKey) throws(Failure) in
            let name = try key.string(&scanner)
            map[name] = try scanner.string()
        }
        return map
    }

    /// Skips one value of any type, checking its grammar as a full parse would (brackets
    /// matched, members named, commas and colons where they belong, literals spelled out;
    /// numbers are only checked for their characters). Iterative, with the open containers as
    /// bits: this is where most of a Pod's bytes go, so no recursion and no closures.
    mutating func skipValue() throws(Failure) {
        // Bit d of `objects`: the container open at depth d is an object (else an array).
        var objects: (UInt64, UInt64) = (0, 0)
        var depth = 0
        func isObject(_ level: Int) -> Bool {
            level < 64 ? objects.0 >> UInt64(level) & 1 == 1 : objects.1 >> UInt64(level - 64) & 1 == 1
        }
        while true {
            // A value is expected here.
            guard let byte = peek() else { throw failure("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                index += 1
                let object = byte == UInt8(ascii: "{")
                if peek() == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    index += 1
                    break // an empty container is a complete value
                }
                guard depth < 128 else { throw failure("nested more than 128 deep") }
                let bit: UInt64 = 1 << UInt64(depth & 63)
                if depth < 64 {
                    objects.0 = object ? objects.0 | bit : objects.0 & ~bit
                } else {
                    objects.1 = object ? objects.1 | bit : objects.1 & ~bit
                }
                depth += 1
                if object { try memberName() }
                continue
            case UInt8(ascii: "\""): _ = try rawString()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw failure("unexpected byte in a value")
            }
            // A value ended: close containers until a ',' asks for the next value.
            while true {
                guard depth > 0 else { return }
                let object = isObject(depth - 1)
                switch peek() {
                case UInt8(ascii: ","):
                    index += 1
                    if object { try memberName() }
                case UInt8(ascii: "}") where object, UInt8(ascii: "]") where !object:
                    index += 1
                    depth -= 1
                    continue
                default:
                    throw failure(object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
                }
                break
            }
        }
    }

    /// `"name":` inside an object being skipped.
    private mutating func memberName() throws(Failure) {
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        _ = try rawString()
        try expect(UInt8(ascii: ":"))
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0 else { throw failure("invalid literal") }
        index += count
    }

    private mutating func number() throws(Failure) {
        let start = index
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                 UInt8(ascii: "e"), UInt8(ascii: "E"):
                index += 1
            default:
                guard index > start else { throw failure("invalid number") }
                return
            }
        }
    }

    /// Consumes a string token and returns where its content is, without decoding it.
    /// The hottest loop of the decoder: locals instead of `self`, one pass, no bounds checks
    /// beyond the end test.
    @inline(__always)
    mutating func rawString() throws(Failure) -> JSONKey {
        let base = bytes.baseAddress!
        let count = bytes.count
        let start = index + 1 // after the opening quote
        var i = start
        var escaped = false
        while true {
            // Eight bytes at a time while none of them is a quote, a backslash or a control
            // character (exact word tests: "has a zero byte" after XOR, "has a byte < 0x20").
            if i + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let quote = word ^ (ones &* 0x22), backslash = word ^ (ones &* 0x5C)
                let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((word &- ones &* 0x20) & ~word)
                if special & highs == 0 {
                    i += 8
                    continue
                }
            }
            guard i < count else { break }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return JSONKey(start: start, end: i, escaped: escaped)
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                i += 2
                continue
            }
            guard byte >= 0x20 else {
                index = i
                throw failure("control character in a string")
            }
            i += 1
        }
        index = count
        throw failure("unterminated string")
    }

    /// The content of `key` with escapes resolved.
    /// Whether every byte is below 0x80, eight at a time.
    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
            i += 8
        }
        while i < count {
            if bytes[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    func decodeString(_ key: JSONKey) throws(Failure) -> String {
        let content = UnsafeRawBufferPointer(rebasing: bytes[key.start..<key.end])
        if !key.escaped {
            // Nearly every string of a Pod is ASCII, which needs no validation, and
            // `String(validating:as:)` pays generic-metadata lookups on every call.
            if Self.isASCII(content) { return String(decoding: content, as: UTF8.self) }
            guard let text = String(validating: content, as: UTF8.self) else {
                throw Failure(message: "invalid UTF-8 in a string", offset: key.start)
            }
            return text
        }
        var out: [UInt8] = []
        out.reserveCapacity(content.count)
        var i = 0
        func hex4(_ at: Int) throws(Failure) -> UInt32 {
            guard at + 4 <= content.count else { throw Failure(message: "short \\u escape", offset: key.start + at) }
            var value: UInt32 = 0
            for byte in content[at..<at + 4] {
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw Failure(message: "invalid \\u escape", offset: key.start + at)
                }
                value = value << 4 | digit
            }
            return value
        }
        while i < content.count {
            let byte = content[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < content.count else { throw Failure(message: "dangling escape", offset: key.start + i) }
            let kind = content[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(kind)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= content.count, content[i] == UInt8(ascii: "\\"), content[i + 1] == UInt8(ascii: "u") else {
                        throw Failure(message: "unpaired surrogate", offset: key.start + i)
                    }
                    let low = try hex4(i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw Failure(message: "unpaired surrogate", offset: key.start + i) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw Failure(message: "unpaired surrogate", offset: key.start + i) }
                out.append(contentsOf: String(Character(unicode)).utf8)
            default: throw Failure(message: "invalid escape", offset: key.start + i)
            }
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw Failure(message: "invalid UTF-8 in a string", offset: key.start)
        }
        return text
    }
}

/// Where a string's content lies in the scanned bytes; compared with member names without
/// building a `String` (names with escapes are decoded first).
struct JSONKey {
    var start: Int
    var end: Int
    var escaped: Bool

    func string(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> String {
        try scanner.decodeString(self)
    }

    /// Whether the content is exactly `name` (ASCII member names).
    func matches(_ name: StaticString, in scanner: JSONScanner) -> Bool {
        if escaped {
            guard let text = try? scanner.decodeString(self) else { return false }
            return text.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        let count = name.utf8CodeUnitCount
        return end - start == count && memcmp(scanner.bytes.baseAddress! + start, name.utf8Start, count) == 0
    }
}
