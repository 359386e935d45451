import Controller
import Testing

@Suite("--listen")
struct ListenAddressTests {
    @Test(arguments: [
        (":9090", "0.0.0.0", 9090),
        ("127.0.0.1:0", "127.0.0.1", 0),
        ("localhost:8080", "localhost", 8080),
        ("[::1]:9090", "::1", 9090),
    ])
    func parses(value: String, host: String, port: Int) throws {
        let address = try ListenAddress(parsing: value)
        #expect(address.host == host)
        #expect(address.port == port)
    }

    @Test(arguments: ["9090", ":", "host:", ":65536", ":-1", ":9o90", "::1:9090", "[::1]9090", ":+80", ":0000009"])
    func rejects(value: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: value) }
    }

    @Test func describesItselfAsItParses() throws {
        #expect(try ListenAddress(parsing: "[::1]:80").description == "[::1]:80")
        #expect(try ListenAddress(parsing: ":80").description == "0.0.0.0:80")
    }
}
