/// Whether `bytes` is one JSON text by RFC 8259 whose objects have unique member names (the
/// RFC's condition for interoperability), nested at most `maxDepth` deep: the gate before
/// comparing a decoder with `JSONDecoder`. Outside it the two need not agree: JSONDecoder
/// accepts trailing commas, and of a repeated name it keeps the first value, PodJSON the last
/// (or both arrays' elements); the API server encodes typed objects and never repeats one.
func isStrictJSON(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) -> Bool {
    guard String(validating: bytes, as: UTF8.self) != nil else { return false }
    var reader = StrictJSONReader(bytes: bytes, maxDepth: maxDepth)
    guard reader.value(depth: 0) else { return false }
    reader.skipWhitespace()
    return reader.index == bytes.count
}

private struct StrictJSONReader {
    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    var index = 0

    init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        index += 1
        return true
    }

    mutating func value(depth: Int) -> Bool {
        skipWhitespace()
        guard let byte = current else { return false }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { return false }
            index += 1
            if consume(UInt8(ascii: "}")) { return true }
            var names = Set<String>()
            repeat {
                skipWhitespace()
                var name = ""
                guard string(into: &name), names.insert(name).inserted, consume(UInt8(ascii: ":")),
                      value(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            guard depth < maxDepth else { return false }
            index += 1
            if consume(UInt8(ascii: "]")) { return true }
            repeat {
                guard value(depth: depth + 1) else { return false }
            } while consume(UInt8(ascii: ","))
            return consume(UInt8(ascii: "]"))
        case UInt8(ascii: "\""):
            var ignored = ""
            return string(into: &ignored)
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    mutating func literal(_ word: String) -> Bool {
        for byte in word.utf8 {
            guard current == byte else { return false }
            index += 1
        }
        return true
    }

    mutating func digits() -> Int {
        let start = index
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
        return index - start
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    mutating func number() -> Bool {
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else {
            guard let byte = current, byte >= UInt8(ascii: "1"), byte <= UInt8(ascii: "9") else { return false }
            _ = digits()
        }
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return true
    }

    /// A string token; `text` gets its content with escapes resolved (names are compared
    /// decoded, as `"\u006eame"` is `"name"`). A lone surrogate is refused.
    mutating func string(into text: inout String) -> Bool {
        guard current == UInt8(ascii: "\"") else { return false }
        index += 1
        var raw: [UInt8] = []
        var pendingHigh: UInt32?
        while let byte = current {
            index += 1
            if byte != UInt8(ascii: "\\"), pendingHigh != nil { return false }
            switch byte {
            case UInt8(ascii: "\""):
                text = String(decoding: raw, as: UTF8.self)
                return true
            case UInt8(ascii: "\\"):
                guard let kind = current else { return false }
                index += 1
                if kind != UInt8(ascii: "u"), pendingHigh != nil { return false }
                switch kind {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): raw.append(kind)
                case UInt8(ascii: "b"): raw.append(0x08)
                case UInt8(ascii: "f"): raw.append(0x0C)
                case UInt8(ascii: "n"): raw.append(0x0A)
                case UInt8(ascii: "r"): raw.append(0x0D)
                case UInt8(ascii: "t"): raw.append(0x09)
                case UInt8(ascii: "u"):
                    var value: UInt32 = 0
                    for _ in 0..<4 {
                        guard let hex = current, let digit = hex.hexValue else { return false }
                        value = value << 4 | digit
                        index += 1
                    }
                    if let high = pendingHigh {
                        guard (0xDC00...0xDFFF).contains(value) else { return false }
                        value = 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00)
                        pendingHigh = nil
                    } else if (0xD800...0xDBFF).contains(value) {
                        pendingHigh = value
                        continue
                    }
                    guard let scalar = Unicode.Scalar(value) else { return false }
                    raw.append(contentsOf: String(Character(scalar)).utf8)
                default: return false
                }
            case 0..<0x20: return false
            default: raw.append(byte)
            }
        }
        return false
    }
}

private extension UInt8 {
    var hexValue: UInt32? {
        switch self {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(self - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(self - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(self - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
