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
        // The API server writes compact JSON: the next byte is nearly always the token.
        if index < bytes.count {
            let byte = bytes.baseAddress.unsafelyUnwrapped.load(fromByteOffset: index, as: UInt8.self)
            if byte > 0x20 { return byte }
        }
        skipWhitespace()
        return index < bytes.count ? bytes[index] : nil
    }

    @inline(__always)
    mutating func skipWhitespace() {
        guard let base = bytes.baseAddress else { return }
        Self.skipWhitespace(base, bytes.count, &index)
    }

    /// Moves `i` past spaces, tabs and line breaks.
    @inline(__always)
    static func skipWhitespace(_ base: UnsafeRawPointer, _ count: Int, _ i: inout Int) {
        while i < count {
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            guard byte <= 0x20, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            i += 1
        }
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

    /// The next member of an object, whose value the caller must then consume; nil after the
    /// last. `started` is false before the first call (the `{` is consumed then) and tracks
    /// the object after it. A loop over this rather than a closure per object: the decoder's
    /// locals stay locals (moved into the result, not copied out of a closure's captures).
    @inline(__always)
    mutating func nextMember(_ started: inout Bool) throws(Failure) -> JSONKey? {
        if started {
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return nil
            default: throw failure("expected ',' or '}' in an object")
            }
        } else {
            try expect(UInt8(ascii: "{"))
            started = true
            if peek() == UInt8(ascii: "}") {
                index += 1
                return nil
            }
        }
        guard peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        let key = try rawString()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Whether an element of an array comes next, which the caller must then consume; false
    /// after the last. `started` as for `nextMember`.
    @inline(__always)
    mutating func nextElement(_ started: inout Bool) throws(Failure) -> Bool {
        if started {
            switch peek() {
            case UInt8(ascii: ","):
                index += 1
                return true
            case UInt8(ascii: "]"):
                index += 1
                return false
            default: throw failure("expected ',' or ']' in an array")
            }
        }
        try expect(UInt8(ascii: "["))
        started = true
        if peek() == UInt8(ascii: "]") {
            index += 1
            return false
        }
        return true
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
        var started = false
        while let key = try nextMember(&started) {
            // Room for three on the first (labels and annotations mostly hold one to three),
            // instead of growing one, three, six; nothing for `{}`.
            if map.isEmpty { map.reserveCapacity(3) }
            let name = try key.string(&self)
            map[name] = try string()
        }
        return map
    }

    /// Skips one value of any type, checking its grammar as a full parse would (brackets
    /// matched, members named, commas and colons where they belong, literals spelled out;
    /// numbers are only checked for their characters). Iterative, with the open containers as
    /// bits: this is where most of a Pod's bytes go (managedFields alone is a third), so no
    /// recursion, no closures, and the position in a local (a register) rather than in `self`,
    /// which callers hold as an `inout` in memory.
    mutating func skipValue() throws(Failure) {
        let count = bytes.count
        var i = index
        // Bit d of `objects`: the container open at depth d is an object (else an array).
        var objects: (UInt64, UInt64) = (0, 0)
        var depth = 0
        guard let base = bytes.baseAddress else { throw failure("unexpected end of input") }
        @inline(__always) func byte(_ at: Int) -> UInt8 { base.load(fromByteOffset: at, as: UInt8.self) }
        while true {
            // A value is expected here.
            Self.skipWhitespace(base, count, &i)
            guard i < count else {
                index = i
                throw failure("unexpected end of input")
            }
            let first = byte(i)
            switch first {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                i += 1
                let object = first == UInt8(ascii: "{")
                Self.skipWhitespace(base, count, &i)
                if i < count, byte(i) == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    break // an empty container is a complete value
                }
                guard depth < 128 else {
                    index = i
                    throw failure("nested more than 128 deep")
                }
                let bit: UInt64 = 1 << UInt64(depth & 63)
                if depth < 64 {
                    objects.0 = object ? objects.0 | bit : objects.0 & ~bit
                } else {
                    objects.1 = object ? objects.1 | bit : objects.1 & ~bit
                }
                depth += 1
                if object { try memberName(base, count, &i) }
                continue
            case UInt8(ascii: "\""):
                i += 1
                var escaped = false
                try scanString(base, count, &i, &escaped)
                i += 1
            case UInt8(ascii: "t"):
                guard Self.hasWord(base, count, i, "true") else { try invalidLiteral(at: i) }
                i += 4
            case UInt8(ascii: "f"):
                guard Self.hasWord(base, count, i, "false") else { try invalidLiteral(at: i) }
                i += 5
            case UInt8(ascii: "n"):
                guard Self.hasWord(base, count, i, "null") else { try invalidLiteral(at: i) }
                i += 4
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                i += 1
                while i < count {
                    switch byte(i) {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
                         UInt8(ascii: "e"), UInt8(ascii: "E"):
                        i += 1
                        continue
                    default: break
                    }
                    break
                }
            default:
                index = i
                throw failure("unexpected byte in a value")
            }
            // A value ended: close containers until a ',' asks for the next value.
            while true {
                guard depth > 0 else {
                    index = i
                    return
                }
                let level = depth - 1
                let object = (level < 64 ? objects.0 >> UInt64(level) : objects.1 >> UInt64(level - 64)) & 1 == 1
                Self.skipWhitespace(base, count, &i)
                let next: UInt8 = i < count ? byte(i) : 0
                if next == UInt8(ascii: ",") {
                    i += 1
                    if object { try memberName(base, count, &i) }
                    break
                }
                guard next == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                    index = i
                    throw failure(object ? "expected ',' or '}' in an object" : "expected ',' or ']' in an array")
                }
                i += 1
                depth -= 1
            }
        }
    }

    /// `"name":` inside an object being skipped; `i` ends after the colon.
    @inline(__always)
    private mutating func memberName(_ base: UnsafeRawPointer, _ count: Int, _ i: inout Int) throws(Failure) {
        Self.skipWhitespace(base, count, &i)
        guard i < count, base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "\"") else {
            index = i
            throw failure("expected a member name")
        }
        i += 1
        var escaped = false
        try scanString(base, count, &i, &escaped)
        i += 1
        Self.skipWhitespace(base, count, &i)
        guard i < count, base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: ":") else {
            index = i
            throw failure("expected ':'")
        }
        i += 1
    }

    private mutating func invalidLiteral(at i: Int) throws(Failure) -> Never {
        index = i
        throw failure("invalid literal")
    }

    /// Whether `word` (4 or 5 ASCII bytes) is at `i`.
    @inline(__always)
    private static func hasWord(_ base: UnsafeRawPointer, _ count: Int, _ i: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard i + length <= count else { return false }
        let text = UnsafeRawPointer(word.utf8Start)
        // The last four bytes as one word (overlapping the first for "false"), then the first.
        return base.loadUnaligned(fromByteOffset: i + length - 4, as: UInt32.self)
            == text.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self)
            && base.load(fromByteOffset: i, as: UInt8.self) == text.load(as: UInt8.self)
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
    @inline(__always)
    mutating func rawString() throws(Failure) -> JSONKey {
        let base = bytes.baseAddress.unsafelyUnwrapped // the caller saw the opening quote
        let start = index + 1
        var i = start
        var escaped = false
        try scanString(base, bytes.count, &i, &escaped)
        index = i + 1
        return JSONKey(start: start, end: i, escaped: escaped)
    }

    /// Moves `i` from the first byte of a string's content to its closing quote; `escaped`
    /// is set if a backslash came on the way. The hottest loop of the decoder: eight bytes
    /// at a time, and where one of them is a quote, a backslash or a control character,
    /// straight to the first such byte. Word tests: a byte's high bit after `(x ^ 0x22) - 1`,
    /// `(x ^ 0x5C) - 1` or `x - 0x20` is set for exactly those bytes, or for a byte >= 0x80
    /// (hence `& ~x`), or for a byte above one of them that a borrow reached: so the lowest
    /// flag is exact, and that is the only one used.
    @inline(__always)
    private mutating func scanString(_ base: UnsafeRawPointer, _ count: Int, _ i: inout Int,
                                     _ escaped: inout Bool) throws(Failure) {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while true {
            if i + 8 <= count {
                // Little-endian order, so that the lowest flag is the first byte in memory.
                let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let special = (((word ^ (ones &* 0x22)) &- ones) | ((word ^ (ones &* 0x5C)) &- ones) | (word &- ones &* 0x20))
                    & ~word & highs
                if special == 0 {
                    i += 8
                    continue
                }
                i += special.trailingZeroBitCount >> 3
            }
            guard i < count else { break }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            if byte == UInt8(ascii: "\"") { return }
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

    /// The content of `key` with escapes resolved.
    func decodeString(_ key: JSONKey) throws(Failure) -> String {
        let content = UnsafeRawBufferPointer(rebasing: bytes[key.start..<key.end])
        let ascii = Self.isASCII(content)
        if !key.escaped {
            // Nearly every string of a Pod is ASCII, which needs no validation, and
            // `String(validating:as:)` pays generic-metadata lookups on every call.
            if ascii { return String(decoding: content, as: UTF8.self) }
            guard let text = String(validating: content, as: UTF8.self) else {
                throw Failure(message: "invalid UTF-8 in a string", offset: key.start)
            }
            return text
        }
        // Resolving escapes never lengthens the text: two bytes become one, a `\uXXXX` (6)
        // at most three, a surrogate pair (12) four.
        guard ascii else {
            // Raw multi-byte characters: validate the whole result (what escapes produce is
            // always well-formed, so this checks the raw bytes between them).
            var failure: Failure?
            let out = [UInt8](unsafeUninitializedCapacity: content.count) { buffer, initialized in
                do throws(Failure) {
                    initialized = try Self.unescape(content, into: buffer.baseAddress!, offset: key.start)
                } catch {
                    failure = error
                    initialized = 0
                }
            }
            if let failure { throw failure }
            guard let text = String(validating: out, as: UTF8.self) else {
                throw Failure(message: "invalid UTF-8 in a string", offset: key.start)
            }
            return text
        }
        // ASCII with escapes (Go's encoder writes `\u003c`, JSONEncoder `\/`, annotations
        // hold quoted JSON): resolved straight into the String's storage.
        var failure: Failure?
        let text = String(unsafeUninitializedCapacity: content.count) { buffer in
            do throws(Failure) {
                return try Self.unescape(content, into: buffer.baseAddress!, offset: key.start)
            } catch {
                failure = error
                return 0
            }
        }
        if let failure { throw failure }
        return text
    }

    /// Writes `content` with its escapes resolved to `out` (at least `content.count` bytes);
    /// returns how many bytes it wrote. `offset` is where `content` starts, for errors.
    private static func unescape(_ content: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<UInt8>,
                                 offset: Int) throws(Failure) -> Int {
        let count = content.count
        let base = content.baseAddress!
        var i = 0
        var o = 0
        @inline(__always) func hex4(_ at: Int) throws(Failure) -> UInt32 {
            guard at + 4 <= count else { throw Failure(message: "short \\u escape", offset: offset + at) }
            var value: UInt32 = 0
            for k in at..<at + 4 {
                let byte = base.load(fromByteOffset: k, as: UInt8.self)
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw Failure(message: "invalid \\u escape", offset: offset + at)
                }
                value = value << 4 | digit
            }
            return value
        }
        while i < count {
            // The run up to the next backslash in one copy.
            guard let hit = memchr(base + i, Int32(UInt8(ascii: "\\")), count - i) else {
                (out + o).initialize(from: base.assumingMemoryBound(to: UInt8.self) + i, count: count - i)
                return o + count - i
            }
            let run = base.distance(to: UnsafeRawPointer(hit)) - i
            (out + o).initialize(from: base.assumingMemoryBound(to: UInt8.self) + i, count: run)
            o += run
            i += run
            guard i + 1 < count else { throw Failure(message: "dangling escape", offset: offset + i) }
            let kind = base.load(fromByteOffset: i + 1, as: UInt8.self)
            i += 2
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out[o] = kind
            case UInt8(ascii: "b"): out[o] = 0x08
            case UInt8(ascii: "f"): out[o] = 0x0C
            case UInt8(ascii: "n"): out[o] = 0x0A
            case UInt8(ascii: "r"): out[o] = 0x0D
            case UInt8(ascii: "t"): out[o] = 0x09
            case UInt8(ascii: "u"):
                var scalar = try hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= count, base.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: "\\"),
                          base.load(fromByteOffset: i + 1, as: UInt8.self) == UInt8(ascii: "u") else {
                        throw Failure(message: "unpaired surrogate", offset: offset + i)
                    }
                    let low = try hex4(i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw Failure(message: "unpaired surrogate", offset: offset + i) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw Failure(message: "unpaired surrogate", offset: offset + i) }
                for unit in UTF8.encode(unicode)! {
                    out[o] = unit
                    o += 1
                }
                continue
            default: throw Failure(message: "invalid escape", offset: offset + i)
            }
            o += 1
        }
        return o
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
    @inline(__always)
    func matches(_ name: StaticString, in scanner: JSONScanner) -> Bool {
        let count = name.utf8CodeUnitCount
        if escaped {
            guard let text = try? scanner.decodeString(self) else { return false }
            return text.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: count))
        }
        guard end - start == count else { return false }
        // Member names are short: compare words, not a memcmp call per candidate name.
        let key = scanner.bytes.baseAddress.unsafelyUnwrapped + start
        let text = UnsafeRawPointer(name.utf8Start)
        if count >= 8 {
            var k = 0
            while k + 8 < count {
                if key.loadUnaligned(fromByteOffset: k, as: UInt64.self) != text.loadUnaligned(fromByteOffset: k, as: UInt64.self) {
                    return false
                }
                k += 8
            }
            // The last eight bytes, overlapping the words before.
            return key.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == text.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        for k in 0..<count where key.load(fromByteOffset: k, as: UInt8.self) != text.load(fromByteOffset: k, as: UInt8.self) {
            return false
        }
        return true
    }
}
